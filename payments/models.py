"""Payments of bookings and event registrations, mirrored from Stripe, and Stripe's webhook events.

Moved from the booking app (booking migration 0009, payments migration 0001): the tables keep
their names (`booking_payment`, `booking_stripeevent`) and their rows.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from booking.models import Booking
from events.models import Registration


class Payment(models.Model):
    """What a resident owes or paid for a booking or an event registration, mirrored from one
    Stripe PaymentIntent.

    Exactly one of `booking` and `registration` is set (a check constraint). Status changes only
    in this app (`payments.outcomes`, `payments.refunds`, `payments.sweeps`), with the booking
    row locked first (for a registration: the event row, then the registration row), then this
    row. The table keeps its name from when payments lived in the booking app.
    """

    class Status(models.TextChoices):
        REQUIRES_PAYMENT = "requires_payment", _("Awaiting payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Payment failed")
        CANCELED = "canceled", _("Canceled (not paid)")
        REFUND_PENDING = "refund_pending", _("Refund pending")
        REFUNDED = "refunded", _("Refunded")

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="payment"
    )
    registration = models.OneToOneField(
        Registration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
    )
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3, default="cny")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.REQUIRES_PAYMENT, db_index=True
    )
    payment_method_types = models.JSONField(default=list, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # The browser needs it to pay; it can only confirm this one intent.
    stripe_client_secret = models.CharField(max_length=255, blank=True)
    amount_refunded = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    refund_reason = models.CharField(max_length=40, blank=True)
    last_error = models.TextField(blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "booking_payment"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payment_amount_positive"
            ),
            # Refunds never exceed the payment, whatever the payment provider allows.
            models.CheckConstraint(
                condition=models.Q(amount_refunded__gte=0)
                & models.Q(amount_refunded__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(booking__isnull=False, registration__isnull=True)
                    | models.Q(booking__isnull=True, registration__isnull=False)
                ),
                name="payment_booking_xor_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment #{self.pk} {self.amount} {self.currency} ({self.status})"


class StripeEvent(models.Model):
    """A Stripe webhook event, stored once: its unique id makes processing happen exactly once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    outcome = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "booking_stripeevent"
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
