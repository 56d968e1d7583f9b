"""Errors of the waiting list, each with a stable code (mapped to HTTP by api/exceptions.py)."""

from common.errors import ConflictError, NotFoundError


class WaitlistError(Exception):
    """Base of this app's errors."""


class EntryNotFoundError(WaitlistError, NotFoundError):
    code = "waitlist_entry_not_found"
    default_detail = "没有这个候补。No such waiting-list entry."


class NotFullError(WaitlistError, ConflictError):
    code = "not_full"
    default_detail = "该时段仍有空位，请直接预约。The slot still has room: book it directly."


class AlreadyWaitingError(WaitlistError, ConflictError):
    code = "already_waiting"
    default_detail = "您已在该时段的候补名单中。You are already on this slot's waiting list."


class OfferExpiredError(WaitlistError, ConflictError):
    code = "offer_expired"
    default_detail = "候补名额已过期，已让给下一位。The offer expired and went to the next in line."


class NotOfferedError(WaitlistError, ConflictError):
    code = "not_offered"
    default_detail = "该候补目前没有名额可接受。This entry has no offer to accept or decline."


class NotLiveError(WaitlistError, ConflictError):
    code = "not_waiting"
    default_detail = "该候补已结束。This entry has already left the waiting list."
