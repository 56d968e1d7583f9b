"""Steps that more than one of the waiting list's writes take: the retry of a transaction, the
reads of who may stand in line, and the ways an entry is closed (with its hold, if it has one).

`waitlist.queue` (joining), `waitlist.offers` (offers and the sweep) and `waitlist.services`
(the resident's answers) use them; they take no lock of their own beyond the rows they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from booking import holds
from booking.models import Booking, ResidentStanding
from common import transactions
from waitlist.exceptions import WaitlistBusyError
from waitlist.models import WaitlistEntry

WAITLIST_TRANSACTION = "a waiting-list transaction"
Status = WaitlistEntry.Status


def retrying[T](work: Callable[[], T]) -> T:
    """Run `work` (one transaction) with booking's retry of deadlocks; busy is WaitlistBusyError."""
    return transactions.retrying(work, busy=WaitlistBusyError, what=WAITLIST_TRANSACTION)


def suspended_until(*, resident_id: int, now: dt.datetime) -> dt.datetime | None:
    """When the resident's suspension ends, None if they may book."""
    return (
        ResidentStanding.objects.filter(user_id=resident_id, suspended_until__gt=now)
        .values_list("suspended_until", flat=True)
        .first()
    )


def close(entry: WaitlistEntry, *, status: str, now: dt.datetime, reason: str) -> None:
    """Save an entry as out of the line with `status` (why: `reason`)."""
    entry.status = status
    entry.closed_at = now
    entry.closed_reason = reason
    entry.save(update_fields=["status", "closed_at", "closed_reason", "updated_at"])


def locked_booking(entry: WaitlistEntry) -> Booking:
    """An offered entry's hold, its row locked (after the entry's: the lock order)."""
    assert entry.booking_id is not None  # an offered entry has its hold (check constraint)
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("venue__policy")
        .get(pk=entry.booking_id)
    )


def end_offer(entry: WaitlistEntry, *, booking: Booking, status: str, now: dt.datetime) -> None:
    """Close an offered entry; release its hold if it still holds the places (the one
    give-back path announces them after the commit, and the next in line is offered them)."""
    if booking.status == Booking.Status.HELD:
        holds.release_hold(booking=booking, now=now, expired=status == Status.EXPIRED)
    close(entry, status=status, now=now, reason="")


def settle_ended_hold(entry: WaitlistEntry, *, booking: Booking, now: dt.datetime) -> None:
    """Close an offered entry whose hold is no longer held: paid on the pay page (accepted),
    cancelled from the bookings list (declined), expired by the hold sweep (expired)."""
    if booking.is_active:
        close(entry, status=Status.ACCEPTED, now=now, reason="paid")
    elif booking.status == Booking.Status.CANCELLED:
        close(entry, status=Status.DECLINED, now=now, reason="hold_cancelled")
    else:
        close(entry, status=Status.EXPIRED, now=now, reason="hold_expired")
