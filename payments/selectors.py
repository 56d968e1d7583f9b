"""Reads of the payments app: where a held booking or registration is paid for."""

from __future__ import annotations

from booking.models import Booking
from events.models import Registration


def payment_path(booking: Booking) -> str:
    """Where the resident pays a held booking; empty when there is nothing to pay."""
    if booking.status != Booking.Status.HELD or not booking.price:
        return ""
    return f"/bookings/{booking.pk}/pay/"


def registration_payment_path(registration: Registration) -> str:
    """Where the resident pays a held registration; empty when there is nothing to pay."""
    if registration.status != Registration.Status.HELD or not registration.amount:
        return ""
    return f"/registrations/{registration.pk}/pay/"
