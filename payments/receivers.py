"""What the payments app does when the apps it depends on tell it something (connected once, from
`PaymentsConfig.ready`). Booking and events never import payments: booking sends signals
(booking/signals.py), events takes the payment-due message as a hook."""

from __future__ import annotations

from typing import Any

from booking.models import Booking
from booking.signals import booking_cancelled, booking_held
from events import notifications as event_notifications
from payments import bookings, registrations


def start_payment_of_held_booking(sender: Any, *, booking: Booking, **kwargs: Any) -> None:
    """A held (paid) booking committed: record its payment and create its intent."""
    bookings.start_payment(booking=booking)


def settle_payment_of_cancelled_booking(sender: Any, *, booking: Booking, **kwargs: Any) -> None:
    """A booking's cancellation committed: cancel its unpaid intent or refund it."""
    bookings.settle_cancelled_booking(booking_id=booking.pk)


def connect() -> None:
    booking_held.connect(start_payment_of_held_booking, sender=Booking, dispatch_uid="payments")
    booking_cancelled.connect(
        settle_payment_of_cancelled_booking, sender=Booking, dispatch_uid="payments"
    )
    # The events app sends the waiting-list promotion notices; a promotion to a held place on a
    # paid event tells the resident to pay with this app's message.
    event_notifications.use_payment_due_message(registrations.payment_due_message)
