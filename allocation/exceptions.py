"""Ballot errors; each has a stable `code` that clients switch on."""

from django.utils.translation import gettext_lazy as _

from common.errors import (
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)


class AllocationError(Exception):
    """Marker base for everything the allocation app raises."""


class BallotNotFoundError(AllocationError, NotFoundError):
    code = "ballot_not_found"
    default_detail = _("The ballot round does not exist.")


class EntryNotFoundError(AllocationError, NotFoundError):
    code = "entry_not_found"
    default_detail = _("The ballot entry does not exist.")


class BallotNotOpenError(AllocationError, RuleViolationError):
    code = "ballot_not_open"
    default_detail = _("The ballot is not open for entries yet.")


class BallotClosedError(AllocationError, RuleViolationError):
    code = "ballot_closed"
    default_detail = _("The ballot has closed.")


class BallotOpenError(AllocationError, RuleViolationError):
    code = "ballot_open"
    default_detail = _("The ballot cannot be drawn before it closes.")


class BallotNotDrawnError(AllocationError, RuleViolationError):
    code = "ballot_not_drawn"
    default_detail = _("The ballot has not been drawn yet.")


class AlreadyEnteredError(AllocationError, ConflictError):
    code = "already_entered"
    default_detail = _("You have already entered this ballot.")


class NotChangeableError(AllocationError, ConflictError):
    code = "entry_not_changeable"
    default_detail = _("This entry can no longer be changed.")


class InvalidChoicesError(AllocationError, InvalidInputError):
    code = "invalid_choices"
    default_detail = _("The choices are not valid.")


class InvalidPartySizeError(AllocationError, InvalidInputError):
    code = "invalid_party_size"
    default_detail = _("Party size must be a positive whole number.")


class PartyTooLargeError(AllocationError, InvalidInputError):
    code = "party_too_large"
    default_detail = _("The party is larger than a chosen slot allows.")


class InvalidRoundError(AllocationError, InvalidInputError):
    code = "invalid_round"
    default_detail = _("The ballot round is not valid.")


class NotVenueStaffError(AllocationError, NotAllowedError):
    code = "not_venue_staff"
    default_detail = _("Only the venue's staff may do this.")
