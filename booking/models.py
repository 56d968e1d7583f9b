"""Slots generated from opening rules, and the bookings residents place on them."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from venues.models import OpeningRule, Resource, Venue

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def free_slot_condition(*, now: dt.datetime) -> models.Q:
    """A slot that still has places for a resident now: of an active resource, not closed,
    with places left, not yet started (`place_booking` refuses a slot that starts at `now`).

    The window and payment rules are not in it (they depend on the venue's policy and the
    settings): `booking.availability` applies them where a page or the API needs them.
    """
    return models.Q(resource__is_active=True, is_closed=False, remaining__gt=0, starts_at__gt=now)


class SlotQuerySet(models.QuerySet["Slot"]):
    def open(self) -> "SlotQuerySet":
        return self.filter(is_closed=False)

    def free(self, *, now: dt.datetime) -> "SlotQuerySet":
        """The slots that still have places for a resident now (`free_slot_condition`)."""
        return self.filter(free_slot_condition(now=now))


class Slot(models.Model):
    """One bookable time window of a resource.

    `places` is how many bookings-units the slot sells: 1 for an exclusive resource (one party of
    up to `capacity` players), `capacity` for a shared one. `remaining` is the arbiter of the
    rush: it is only ever changed by a conditional UPDATE (see `booking.services.place_booking`).
    """

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="slots")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="slots")
    rule = models.ForeignKey(
        OpeningRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    places = models.PositiveIntegerField()
    remaining = models.IntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    public_benefit = models.BooleanField(default=False)
    is_closed = models.BooleanField(default=False)
    closed_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "resource_id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "starts_at"], name="slot_unique_start"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(remaining__gte=0) & models.Q(remaining__lte=models.F("places")),
                name="slot_remaining_within_places",
            ),
        ]
        indexes = [models.Index(fields=["venue", "starts_at"], name="slot_venue_start_idx")]

    def __str__(self) -> str:
        return f"{self.resource} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_free_of_charge(self) -> bool:
        return self.price == 0


class BookingQuerySet(models.QuerySet["Booking"]):
    def active(self) -> "BookingQuerySet":
        return self.filter(status__in=Booking.ACTIVE_STATUSES)

    def for_resident(self, user: "User | int") -> "BookingQuerySet":
        return self.filter(resident=user)


class Booking(models.Model):
    """A resident's claim on places of a slot. Never deleted: it changes state.

    held → confirmed → checked_in; held → expired; held/confirmed → cancelled; confirmed → no_show.
    """

    class Status(models.TextChoices):
        HELD = "held", _("Held (awaiting payment)")
        CONFIRMED = "confirmed", _("Confirmed")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        NO_SHOW = "no_show", _("No-show")

    ACTIVE_STATUSES = (Status.HELD, Status.CONFIRMED, Status.CHECKED_IN)
    # The kind of the outbox notice (common.models.Notice) that e-mails its confirmation.
    CONFIRMATION_NOTICE = "booking.confirmed"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="bookings")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    # Copied from the slot so that the exclusion constraint and quota queries need no join.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    exclusive = models.BooleanField()
    party_size = models.PositiveIntegerField()
    places = models.PositiveIntegerField(help_text="Places taken from the slot's `remaining`.")
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(max_length=12, choices=Status.choices, db_index=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    late_cancellation = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change so that iCal subscribers see updates (SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "resident"],
                condition=models.Q(status__in=["held", "confirmed", "checked_in"]),
                name="booking_one_active_per_resident_slot",
            ),
            models.UniqueConstraint(
                fields=["resident", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="booking_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=models.Q(party_size__gte=1), name="booking_party_gte_1"
            ),
            models.CheckConstraint(condition=models.Q(places__gte=1), name="booking_places_gte_1"),
            # PostgreSQL also has booking_no_overlap_exclusive (an exclusion constraint over
            # resource and tstzrange(starts_at, ends_at)); see migration 0002.
        ]
        indexes = [
            models.Index(fields=["resident", "starts_at"], name="booking_resident_start_idx"),
            models.Index(fields=["venue", "starts_at"], name="booking_venue_start_idx"),
            models.Index(
                fields=["hold_expires_at"],
                condition=models.Q(status="held"),
                name="booking_held_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.resident} {self.slot} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class ResidentStanding(models.Model):
    """A resident's standing: suspension after repeated no-shows or late cancellations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standing"
    )
    suspended_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Standing of {self.user}"


class Strike(models.Model):
    """A late cancellation or a no-show counted against a resident; staff may waive it."""

    class Kind(models.TextChoices):
        LATE_CANCELLATION = "late_cancellation", _("Late cancellation")
        NO_SHOW = "no_show", _("No-show")

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="strikes"
    )
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="strike")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="strikes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField()
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["resident", "created_at"], name="strike_resident_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.resident} ({self.booking_id})"


class ReminderSent(models.Model):
    """A reminder e-mail already sent for a booking: each kind goes out at most once."""

    class Kind(models.TextChoices):
        DAY_BEFORE = "24h", _("24 hours before")
        TWO_HOURS = "2h", _("2 hours before")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind"], name="reminder_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"Reminder {self.kind} for booking {self.booking_id}"
