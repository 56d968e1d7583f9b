"""Offers of freed places to a slot's waiting list, and the sweep that ends lapsed ones.

An offer is a held booking (`booking.holds.hold_places`) made for the first resident in line
whose party fits, in the same transaction that marks their entry offered: the offered places are
occupied by that hold, so nobody else can book them, and the entry and its hold commit together
or not at all. The sweep `expire_offers` (Celery beat and `manage.py expire_offers`) ends offers
past their expiry and offers any free places a missed signal or a dead process left behind.

Lock order: the slot's queue (a PostgreSQL advisory lock) → entry rows → booking row → slot
row → the resident's user row (booking's order after the entry).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from django.db import connection, transaction
from django.utils import timezone

from booking import holds
from booking.exceptions import AlreadyBookedError, QuotaExceededError
from booking.models import Booking, Slot
from common import notices, transactions
from common.errors import BusyError
from venues.policies import policy_for
from waitlist import steps
from waitlist.models import WaitlistEntry

logger = logging.getLogger(__name__)

LINE_LIMIT = 200  # entries of one slot looked at per offer round
# First key of the two-key advisory lock that serialises the offers of one slot ("WAIT").
QUEUE_LOCK_CLASS = 0x57414954
Status = WaitlistEntry.Status


def offer_expiry(*, slot: Slot, now: dt.datetime) -> dt.datetime:
    """When an offer made now for this slot ends: the policy's offer time, the shorter one close
    to the start, never after the slot's end."""
    policy = policy_for(slot.venue)
    minutes = policy.waitlist_offer_minutes
    if slot.starts_at - now <= dt.timedelta(minutes=policy.waitlist_short_offer_within_minutes):
        minutes = policy.waitlist_short_offer_minutes
    return min(now + dt.timedelta(minutes=max(minutes, 1)), slot.ends_at)


def offer_freed_places(*, slot_id: int, now: dt.datetime | None = None) -> list[int]:
    """Offer a slot's free places to its waiting list, first in line whose party fits first.

    Each offer holds the places for its resident (a held booking) until its expiry, in the
    transaction that marks the entry offered. Offers of one slot are serialised (an advisory
    lock on PostgreSQL), so two rounds never offer the same places twice; the slot row's
    conditional UPDATE still arbitrates against direct bookings. Entries whose resident may no
    longer book (suspended, limits reached, booked it meanwhile) leave the line as expired.
    Also settles offers whose hold ended elsewhere (cancelled, expired by the hold sweep).
    Returns the ids of the entries offered.
    """
    now = now or timezone.now()
    offered = steps.retrying(lambda: _offer(slot_id=slot_id, now=now))
    if offered:
        notices.ring()
    return offered


def _offer(*, slot_id: int, now: dt.datetime) -> list[int]:
    with transactions.bounded_atomic():
        _lock_queue(slot_id)
        slot = Slot.objects.select_related("resource", "venue__policy").filter(pk=slot_id).first()
        if slot is None:
            return []
        _settle_stale_offers(slot_id=slot_id, now=now)
        if slot.ends_at <= now:
            _close_line(slot_id=slot_id, now=now, reason="slot_ended")
            return []
        if slot.is_closed or slot.remaining <= 0:
            return []
        # Lock the whole line first, in order, before the slot row: the lock order stays
        # entries → slot row → resident row, as in decline and withdraw.
        line = list(
            WaitlistEntry.objects.in_line()
            .filter(slot_id=slot_id)
            .select_for_update(of=("self",))
            .select_related("resident")[:LINE_LIMIT]
        )
        remaining, offered = slot.remaining, []
        for entry in line:
            if remaining <= 0:
                break
            if entry.places > remaining:
                continue  # the party does not fit: the next one in line may
            if steps.suspended_until(resident_id=entry.resident_id, now=now) is not None:
                steps.close(entry, status=Status.EXPIRED, now=now, reason="suspended")
                continue
            until = offer_expiry(slot=slot, now=now)
            try:
                with transaction.atomic():  # a refusal gives the taken places back with it
                    hold = holds.hold_places(
                        resident=entry.resident,
                        slot=slot,
                        party_size=entry.party_size,
                        until=until,
                        now=now,
                    )
            except (AlreadyBookedError, QuotaExceededError) as exc:
                steps.close(entry, status=Status.EXPIRED, now=now, reason=exc.code)
                continue
            if hold is None:  # a direct booking took places meanwhile
                remaining = _fresh_remaining(slot_id)
                continue
            entry.status = Status.OFFERED
            entry.booking = hold
            entry.offered_at = now
            entry.offer_expires_at = until
            entry.save(
                update_fields=["status", "booking", "offered_at", "offer_expires_at", "updated_at"]
            )
            notices.owe(kind=WaitlistEntry.OFFER_NOTICE, refs=[entry.pk], now=now)
            remaining -= hold.places
            offered.append(entry.pk)
        return offered


def _lock_queue(slot_id: int) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Two int4 keys; slot ids beyond int4 wrap, which at worst serialises two slots.
        key = (slot_id % 2**32) - 2**31
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [QUEUE_LOCK_CLASS, key])


def _fresh_remaining(slot_id: int) -> int:
    return int(Slot.objects.filter(pk=slot_id).values_list("remaining", flat=True).get())


def _settle_stale_offers(*, slot_id: int, now: dt.datetime) -> None:
    """Close offered entries whose hold ended another way: the resident cancelled the held
    booking (declined), the hold sweep expired it (expired)."""
    stale = (
        WaitlistEntry.objects.filter(slot_id=slot_id, status=Status.OFFERED)
        .exclude(booking__status=Booking.Status.HELD)
        .select_for_update(of=("self",))
        .select_related("booking")
    )
    for entry in stale:
        assert entry.booking is not None  # the check constraint
        steps.settle_ended_hold(entry, booking=entry.booking, now=now)


def _close_line(*, slot_id: int, now: dt.datetime, reason: str) -> None:
    WaitlistEntry.objects.filter(slot_id=slot_id, status=Status.WAITING).update(
        status=Status.EXPIRED, closed_at=now, closed_reason=reason, updated_at=now
    )


# --- the sweep -----------------------------------------------------------------------------


def expire_offers(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """End offers past their expiry, then offer every slot's free places to its line.

    The second part is the safety net of the `places_freed` signal: places freed while no
    receiver ran (a process died after the commit) are offered here, and waiting entries of
    slots that have ended are closed. Idempotent; safe to run beside another sweep. Returns how
    many offers expired.
    """
    now = now or timezone.now()
    due = list(
        WaitlistEntry.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now)
        .order_by("offer_expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for entry_id in due:
        if steps.retrying(functools.partial(_expire_one, entry_id=entry_id, now=now)):
            expired += 1
    WaitlistEntry.objects.filter(status=Status.WAITING, slot__ends_at__lte=now).update(
        status=Status.EXPIRED, closed_at=now, closed_reason="slot_ended", updated_at=now
    )
    slot_ids = set(
        WaitlistEntry.objects.filter(status=Status.WAITING, slot__remaining__gt=0)
        .values_list("slot_id", flat=True)
        .distinct()[:limit]
    )
    slot_ids |= set(
        WaitlistEntry.objects.filter(status=Status.OFFERED)
        .exclude(booking__status=Booking.Status.HELD)
        .values_list("slot_id", flat=True)
        .distinct()[:limit]
    )
    for slot_id in sorted(slot_ids):
        try:
            offer_freed_places(slot_id=slot_id, now=now)
        except BusyError:
            logger.warning("waiting list of slot %s busy; the next sweep offers it", slot_id)
    return expired


def _expire_one(*, entry_id: int, now: dt.datetime) -> bool:
    with transactions.bounded_atomic():
        entry = (
            WaitlistEntry.objects.select_for_update(skip_locked=True)
            .filter(pk=entry_id, status=Status.OFFERED, offer_expires_at__lte=now)
            .first()
        )
        if entry is None:
            return False  # accepted, declined or being handled by someone else
        booking = steps.locked_booking(entry)
        if booking.status != Booking.Status.HELD:
            steps.settle_ended_hold(entry, booking=booking, now=now)
            return booking.status in (Booking.Status.EXPIRED, Booking.Status.NO_SHOW)
        steps.end_offer(entry, booking=booking, status=Status.EXPIRED, now=now)
        return True
