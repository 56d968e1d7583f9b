"""Booking errors; each has a stable `code` that clients switch on."""

from django.utils.translation import gettext_lazy as _

from common.errors import (
    BusyError,
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)


class BookingError(Exception):
    """Marker base for everything the booking app raises."""


class SlotNotFoundError(BookingError, NotFoundError):
    code = "slot_not_found"
    default_detail = _("The slot does not exist.")


class BookingNotFoundError(BookingError, NotFoundError):
    code = "booking_not_found"
    default_detail = _("The booking does not exist.")


class InvalidPartySizeError(BookingError, InvalidInputError):
    code = "invalid_party_size"
    default_detail = _("Party size must be a positive whole number.")


class PartyTooLargeError(BookingError, RuleViolationError):
    code = "party_too_large"
    default_detail = _("The party is larger than the slot allows.")


class SlotUnavailableError(BookingError, ConflictError):
    code = "slot_unavailable"
    default_detail = _("The slot is no longer available.")


class SlotTakenError(SlotUnavailableError):
    code = "slot_taken"
    default_detail = _("Someone else has just booked this slot.")


class SlotFullError(SlotUnavailableError):
    code = "slot_full"
    default_detail = _("There are not enough places left in this slot.")


class SlotClosedError(BookingError, RuleViolationError):
    code = "closed"
    default_detail = _("The venue is closed at this time.")


class SlotInPastError(BookingError, RuleViolationError):
    code = "past"
    default_detail = _("The slot has already started.")


class WindowNotOpenError(BookingError, RuleViolationError):
    code = "window_not_open"
    default_detail = _("Booking for this slot has not opened yet.")


class AlreadyBookedError(BookingError, ConflictError):
    code = "already_booked"
    default_detail = _("You already have a booking for this slot.")


class QuotaExceededError(BookingError, RuleViolationError):
    code = "quota_exceeded"
    default_detail = _("You have reached your booking limit.")


class SuspendedError(BookingError, NotAllowedError):
    code = "suspended"
    default_detail = _("Your booking rights are suspended.")


class PaymentUnavailableError(BookingError, RuleViolationError):
    code = "payment_unavailable"
    default_detail = _("Paid slots cannot be booked online right now.")


class IdempotencyKeyReusedError(BookingError, RuleViolationError):
    code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was used for another slot.")


class NotCancellableError(BookingError, ConflictError):
    code = "not_cancellable"
    default_detail = _("This booking can no longer be cancelled.")


class BookingBusyError(BookingError, BusyError):
    code = "busy"
    default_detail = _("Too many people are booking right now; try again.")


class NotYourBookingError(BookingError, NotAllowedError):
    code = "not_allowed"
    default_detail = _("You may not change this booking.")


class InvalidIdempotencyKeyError(BookingError, InvalidInputError):
    code = "invalid_idempotency_key"
    default_detail = _("The Idempotency-Key must be 1-100 visible ASCII characters.")


# --- standing (booking.standing); payment errors: payments/exceptions.py ---


class NotVenueStaffError(BookingError, NotAllowedError):
    code = "not_venue_staff"
    default_detail = _("Only this venue's staff may do this.")


class StrikeNotFoundError(BookingError, NotFoundError):
    code = "strike_not_found"
    default_detail = _("The strike does not exist.")


class StrikeAlreadyWaivedError(BookingError, ConflictError):
    code = "already_waived"
    default_detail = _("This strike has already been waived.")


class NotNoShowableError(BookingError, ConflictError):
    code = "not_no_showable"
    default_detail = _("This booking cannot be marked as a no-show.")


class AllocatedByBallotError(BookingError, RuleViolationError):
    """The slot is allocated by a ballot round that has not yet released it to first-come."""

    code = "ballot"
    default_detail = _(
        "This slot is allocated by ballot; it can be booked directly once the round has "
        "released its leftover places."
    )
