"""Event and registration errors; each has a stable `code` that clients switch on."""

from django.utils.translation import gettext_lazy as _

from common.errors import (
    BusyError,
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)


class EventsError(Exception):
    """Marker base for everything the events app raises."""


# --- bad input (400) ------------------------------------------------------------------------


class InvalidEventError(EventsError, InvalidInputError):
    code = "invalid_event"
    default_detail = _("The event data is invalid.")


class InvalidTimeRangeError(EventsError, InvalidInputError):
    code = "invalid_time_range"
    default_detail = _("The end must be after the start.")


class NaiveDatetimeError(EventsError, InvalidInputError):
    code = "naive_datetime"
    default_detail = _("Times must carry a UTC offset, e.g. 2026-05-01T09:00:00+08:00.")


class InvalidRRuleError(EventsError, InvalidInputError):
    code = "invalid_rrule"
    default_detail = _("The recurrence rule (RFC 5545 RRULE) is invalid.")


class InvalidExdatesError(EventsError, InvalidInputError):
    code = "invalid_exdates"
    default_detail = _("Exception dates must be aware ISO datetimes of occurrences of the rule.")


class UnknownCategoryError(EventsError, InvalidInputError):
    code = "unknown_category"
    default_detail = _("Unknown event category.")


class UnknownStatusError(EventsError, InvalidInputError):
    code = "unknown_status"
    default_detail = _("Unknown event status.")


class InvalidDateError(EventsError, InvalidInputError):
    code = "invalid_date"
    default_detail = _("Malformed date or datetime.")


class InvalidFilterError(EventsError, InvalidInputError):
    code = "invalid_filter"
    default_detail = _("Invalid filter.")


class UnknownOrganisationError(EventsError, InvalidInputError):
    code = "unknown_organisation"
    default_detail = _("The organisation does not exist.")


class UnknownVenueError(EventsError, InvalidInputError):
    code = "unknown_venue"
    default_detail = _("The venue does not exist or is not active.")


class InvalidPartySizeError(EventsError, InvalidInputError):
    code = "invalid_party_size"
    default_detail = _("Party size must be a whole number from 1 to 10.")


class InvalidFeedFilterError(EventsError, InvalidInputError):
    # Raised with the precise code of what is wrong: unknown_category, invalid_venue.
    code = "invalid_feed_filter"


# --- not found (404) ------------------------------------------------------------------------


class EventNotFoundError(EventsError, NotFoundError):
    code = "event_not_found"
    default_detail = _("The event does not exist.")


class RegistrationNotFoundError(EventsError, NotFoundError):
    code = "registration_not_found"
    default_detail = _("The registration does not exist.")


class FeedNotFoundError(EventsError, NotFoundError):
    code = "feed_not_found"
    default_detail = _("This calendar feed does not exist.")


# --- not allowed (403) ----------------------------------------------------------------------


class NotOrganiserError(EventsError, NotAllowedError):
    code = "not_organiser"
    default_detail = _("Only the organisation's members may do this.")


class NotAdminError(EventsError, NotAllowedError):
    code = "not_admin"
    default_detail = _("Only district admins may approve events.")


# --- conflicts with the current state (409) -------------------------------------------------


class EventCancelledError(EventsError, ConflictError):
    code = "event_cancelled"
    default_detail = _("The event has been cancelled.")


class EventPostponedError(EventsError, ConflictError):
    code = "event_postponed"
    default_detail = _("The event is postponed; registration is paused.")


class NotPublishedError(EventsError, ConflictError):
    code = "not_published"
    default_detail = _("The event is not published.")


class InvalidStatusTransitionError(EventsError, ConflictError):
    code = "invalid_status_transition"
    default_detail = _("The event's status does not allow this.")


class EventFullError(EventsError, ConflictError):
    code = "event_full"
    default_detail = _("The event is full.")


class AlreadyRegisteredError(EventsError, ConflictError):
    code = "already_registered"
    default_detail = _("You are already registered for this event.")


class RegistrationNotCancellableError(EventsError, ConflictError):
    code = "not_cancellable"
    default_detail = _("This registration can no longer be cancelled.")


class EventBusyError(EventsError, BusyError):
    code = "busy"
    default_detail = _("Too many people are registering; try again.")


# --- business rules (422) -------------------------------------------------------------------


class ApprovalRequiredError(EventsError, RuleViolationError):
    code = "approval_required"
    default_detail = _("An event at a public venue needs a district admin's approval.")


class RegistrationNotOpenError(EventsError, RuleViolationError):
    code = "registration_not_open"
    default_detail = _("Registration has not opened yet.")


class RegistrationClosedError(EventsError, RuleViolationError):
    code = "registration_closed"
    default_detail = _("Registration has closed.")


class PartyTooLargeError(EventsError, RuleViolationError):
    code = "party_too_large"
    default_detail = _("The party is larger than the event's capacity.")


class CapacityBelowRegistrationsError(EventsError, RuleViolationError):
    code = "capacity_below_registrations"
    default_detail = _("Capacity cannot be below the confirmed registrations.")


class EventEndedError(EventsError, RuleViolationError):
    code = "event_ended"
    default_detail = _("The event is over.")


class PaymentUnavailableError(EventsError, RuleViolationError):
    code = "payment_unavailable"
    default_detail = _(
        "Paid events cannot be registered for online right now; please contact the organiser."
    )
