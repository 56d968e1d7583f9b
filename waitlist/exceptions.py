"""Errors of the waiting list, each with a stable code (mapped to HTTP by api/exceptions.py)."""

from django.utils.translation import gettext_lazy as _

from common.errors import BusyError, ConflictError, NotFoundError


class WaitlistError(Exception):
    """Base of this app's errors."""


class EntryNotFoundError(WaitlistError, NotFoundError):
    code = "waitlist_entry_not_found"
    default_detail = _("No such waiting-list entry.")


class NotFullError(WaitlistError, ConflictError):
    code = "not_full"
    default_detail = _("The slot still has room: book it directly.")


class AlreadyWaitingError(WaitlistError, ConflictError):
    code = "already_waiting"
    default_detail = _("You are already on this slot's waiting list.")


class OfferExpiredError(WaitlistError, ConflictError):
    code = "offer_expired"
    default_detail = _("The offer expired and went to the next in line.")


class NotOfferedError(WaitlistError, ConflictError):
    code = "not_offered"
    default_detail = _("This entry has no offer to accept or decline.")


class NotLiveError(WaitlistError, ConflictError):
    code = "not_waiting"
    default_detail = _("This entry has already left the waiting list.")


class WaitlistFirstError(WaitlistError, ConflictError):
    """A direct booking of places that are about to be offered to the waiting list."""

    code = "waitlist_first"
    default_detail = _("Places freed up on this slot go to its waiting list first.")


class WaitlistBusyError(BusyError):
    code = "busy"
    default_detail = _("Busy, please try again.")
