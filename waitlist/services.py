"""Writes of the waiting list: queue, offer freed places, accept, decline, withdraw, expire.

An offer is a held booking (`booking.services.hold_places`) made for the first resident in line
whose party fits, in the same transaction that marks their entry offered: the offered places are
occupied by that hold, so nobody else can book them, and the entry and its hold commit together
or not at all. Declined, withdrawn and expired offers release the hold through booking's one
give-back path, whose `places_freed` signal (after the commit) offers them to the next in line.
The sweep `expire_offers` (Celery beat and `manage.py expire_offers`) ends offers past their
expiry and offers any free places a missed signal or a dead process left behind.

Lock order, everywhere: the slot's queue (a PostgreSQL advisory lock, offers only) → entry
rows → booking row → slot row → the resident's user row (booking's order after the entry).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking import rules
from booking import services as booking_services
from booking.exceptions import (
    AlreadyBookedError,
    PartyTooLargeError,
    PaymentUnavailableError,
    QuotaExceededError,
    SlotClosedError,
    SlotInPastError,
    SlotNotFoundError,
    SuspendedError,
    WindowNotOpenError,
)
from booking.models import Booking, ResidentStanding, Slot
from common import notices, transactions
from common.errors import BusyError
from venues.models import BookingPolicy
from venues.policies import or_default
from waitlist.exceptions import (
    AlreadyWaitingError,
    EntryNotFoundError,
    NotFullError,
    NotLiveError,
    NotOfferedError,
    OfferExpiredError,
)
from waitlist.models import WaitlistEntry

logger = logging.getLogger(__name__)

WAITLIST_TRANSACTION = "a waiting-list transaction"
LINE_LIMIT = 200  # entries of one slot looked at per offer round
# First key of the two-key advisory lock that serialises the offers of one slot ("WAIT").
QUEUE_LOCK_CLASS = 0x57414954
Status = WaitlistEntry.Status


class WaitlistBusyError(BusyError):
    code = "busy"
    default_detail = _("Busy, please try again.")


def _retrying[T](work: Callable[[], T]) -> T:
    return transactions.retrying(work, busy=WaitlistBusyError, what=WAITLIST_TRANSACTION)


# --- queueing ----------------------------------------------------------------------------


def join_waitlist(
    *,
    resident: AbstractBaseUser,
    slot_id: object,
    party_size: object,
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Queue the resident for `party_size` places of a full slot; returns the waiting entry.

    Invariants: one live (waiting or offered) entry per resident per slot (a partial unique
    index); an entry is only made while the slot has not the places the party needs, checked
    under a share lock of the slot row, so a place freed at that moment is either seen here
    (`not_full`: book it) or offered to this entry by the give-back that follows.

    Raises InvalidPartySizeError, SlotNotFoundError, SlotClosedError, SlotInPastError,
    WindowNotOpenError, PartyTooLargeError, PaymentUnavailableError, SuspendedError,
    AlreadyBookedError, NotFullError, AlreadyWaitingError, WaitlistBusyError.
    """
    now = now or timezone.now()
    booking_services.check_booking_input(slot_id=slot_id, party_size=party_size, idempotency_key="")
    assert isinstance(slot_id, int) and isinstance(party_size, int)  # checked just above
    slot = Slot.objects.select_related("resource", "venue__policy").filter(pk=slot_id).first()
    if slot is None:
        raise SlotNotFoundError()
    _check_slot_can_be_queued_for(slot=slot, party_size=party_size, now=now)
    _check_resident(resident_id=resident.pk, slot=slot, now=now)
    places = 1 if slot.resource.exclusive else party_size

    def work() -> WaitlistEntry:
        with transactions.bounded_atomic():
            if _remaining_under_share_lock(slot.pk) >= places:
                raise NotFullError()
            try:
                with transaction.atomic():
                    return WaitlistEntry.objects.create(
                        slot=slot,
                        resident_id=resident.pk,
                        party_size=party_size,
                        places=places,
                        created_at=now,
                    )
            except IntegrityError as exc:
                raise AlreadyWaitingError() from exc

    return _retrying(work)


def _check_slot_can_be_queued_for(*, slot: Slot, party_size: int, now: dt.datetime) -> None:
    if slot.is_closed or not slot.resource.is_active or not slot.venue.is_active:
        raise SlotClosedError(slot.closed_reason or None)
    if slot.starts_at <= now:
        raise SlotInPastError()
    policy = _policy(slot)
    opens_at = rules.booking_opens_at(starts_at=slot.starts_at, policy=policy)
    if now < opens_at:
        local = opens_at.astimezone(rules.local_tz())
        raise WindowNotOpenError(extra={"opens_at": local.isoformat()})
    if party_size > slot.capacity:
        raise PartyTooLargeError(fields={"party_size": [f"Must be at most {slot.capacity}."]})
    if slot.price > 0 and not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()


def _check_resident(*, resident_id: int, slot: Slot, now: dt.datetime) -> None:
    suspended_until = _suspended_until(resident_id=resident_id, now=now)
    if suspended_until is not None:
        local = suspended_until.astimezone(rules.local_tz())
        raise SuspendedError(extra={"suspended_until": local.isoformat()})
    if Booking.objects.active().filter(slot=slot, resident_id=resident_id).exists():
        raise AlreadyBookedError()


def _suspended_until(*, resident_id: int, now: dt.datetime) -> dt.datetime | None:
    return (
        ResidentStanding.objects.filter(user_id=resident_id, suspended_until__gt=now)
        .values_list("suspended_until", flat=True)
        .first()
    )


def _remaining_under_share_lock(slot_id: int) -> int:
    """The slot's free places, read under a share lock of its row: a concurrent give-back (an
    UPDATE) waits for this transaction, or this read waits for its commit."""
    if connection.vendor != "postgresql":  # SQLite: one writer at a time anyway
        return int(Slot.objects.filter(pk=slot_id).values_list("remaining", flat=True).get())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT remaining FROM {Slot._meta.db_table} WHERE id = %s FOR SHARE", [slot_id]
        )
        return int(cursor.fetchone()[0])


# --- offers ------------------------------------------------------------------------------


def offer_expiry(*, slot: Slot, now: dt.datetime) -> dt.datetime:
    """When an offer made now for this slot ends: the policy's offer time, the shorter one close
    to the start, never after the slot's end."""
    policy = or_default(_policy(slot))
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
    offered = _retrying(lambda: _offer(slot_id=slot_id, now=now))
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
            if _suspended_until(resident_id=entry.resident_id, now=now) is not None:
                _close(entry, status=Status.EXPIRED, now=now, reason="suspended")
                continue
            until = offer_expiry(slot=slot, now=now)
            try:
                with transaction.atomic():  # a refusal gives the taken places back with it
                    hold = booking_services.hold_places(
                        resident=entry.resident,
                        slot=slot,
                        party_size=entry.party_size,
                        until=until,
                        now=now,
                    )
            except (AlreadyBookedError, QuotaExceededError) as exc:
                _close(entry, status=Status.EXPIRED, now=now, reason=exc.code)
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
        _settle_ended_hold(entry, booking=entry.booking, now=now)


def _settle_ended_hold(entry: WaitlistEntry, *, booking: Booking, now: dt.datetime) -> None:
    """Close an offered entry whose hold is no longer held: paid on the pay page (accepted),
    cancelled from the bookings list (declined), expired by the hold sweep (expired)."""
    if booking.is_active:
        _close(entry, status=Status.ACCEPTED, now=now, reason="paid")
    elif booking.status == Booking.Status.CANCELLED:
        _close(entry, status=Status.DECLINED, now=now, reason="hold_cancelled")
    else:
        _close(entry, status=Status.EXPIRED, now=now, reason="hold_expired")


def _close_line(*, slot_id: int, now: dt.datetime, reason: str) -> None:
    WaitlistEntry.objects.filter(slot_id=slot_id, status=Status.WAITING).update(
        status=Status.EXPIRED, closed_at=now, closed_reason=reason, updated_at=now
    )


def _close(entry: WaitlistEntry, *, status: str, now: dt.datetime, reason: str) -> None:
    entry.status = status
    entry.closed_at = now
    entry.closed_reason = reason
    entry.save(update_fields=["status", "closed_at", "closed_reason", "updated_at"])


# --- the resident's answers ------------------------------------------------------------------


def accept_offer(
    *, entry_id: int, user: AbstractBaseUser, now: dt.datetime | None = None
) -> Booking:
    """Accept an offer: its hold becomes a confirmed booking (free slot) or the normal paid hold,
    with its payment started (paid slot). Accepting an accepted offer returns its booking.

    Invariant: an offer is accepted only before `offer_expires_at` and while its hold still
    holds the places; one that is too late is expired here (its places go to the next in line)
    and refused.

    Raises EntryNotFoundError (also for someone else's entry), OfferExpiredError,
    NotOfferedError, WaitlistBusyError.
    """
    now = now or timezone.now()
    booking, expired = _retrying(lambda: _accept(entry_id=entry_id, user=user, now=now))
    if expired:
        raise OfferExpiredError()
    assert booking is not None
    if booking.status == Booking.Status.HELD:
        _start_payment(booking)
    else:
        notices.ring()
    return booking


def _start_payment(booking: Booking) -> None:
    """The one call into the payment path: booking's own, as after a paid booking is placed."""
    booking_services.start_held_payment(booking=booking)


def _accept(
    *, entry_id: int, user: AbstractBaseUser, now: dt.datetime
) -> tuple[Booking | None, bool]:
    with transactions.bounded_atomic():
        entry = _locked_entry(entry_id=entry_id, user=user)
        if entry.status == Status.ACCEPTED and entry.booking_id is not None:
            return Booking.objects.get(pk=entry.booking_id), False
        if entry.status == Status.EXPIRED:
            raise OfferExpiredError()
        if entry.status != Status.OFFERED:
            raise NotOfferedError()
        booking = _locked_booking(entry)
        assert entry.offer_expires_at is not None  # the check constraint
        if booking.is_active and booking.status != Booking.Status.HELD:  # paid meanwhile
            _settle_ended_hold(entry, booking=booking, now=now)
            return booking, False
        if booking.status != Booking.Status.HELD or now >= entry.offer_expires_at:
            _end_offer(entry, booking=booking, status=Status.EXPIRED, now=now)
            return None, True
        if booking.price:
            booking_services.extend_hold_for_payment(booking=booking, now=now)
        else:
            booking_services.confirm_hold(booking=booking, now=now)
        _close(entry, status=Status.ACCEPTED, now=now, reason="")
        return booking, False


def decline_offer(
    *, entry_id: int, user: AbstractBaseUser, now: dt.datetime | None = None
) -> WaitlistEntry:
    """Decline an offer: its places go to the next in line (after the commit). Declining a
    declined offer returns it unchanged.

    Raises EntryNotFoundError, NotOfferedError, WaitlistBusyError.
    """
    now = now or timezone.now()

    def work() -> WaitlistEntry:
        with transactions.bounded_atomic():
            entry = _locked_entry(entry_id=entry_id, user=user)
            if entry.status == Status.DECLINED:
                return entry
            if entry.status != Status.OFFERED:
                raise NotOfferedError()
            _end_offer(entry, booking=_locked_booking(entry), status=Status.DECLINED, now=now)
            return entry

    return _retrying(work)


def withdraw_entry(
    *, entry_id: int, user: AbstractBaseUser, now: dt.datetime | None = None
) -> WaitlistEntry:
    """Leave the waiting list (an open offer is given up, its places to the next in line).
    Withdrawing a withdrawn entry returns it unchanged.

    Raises EntryNotFoundError, NotLiveError (accepted, declined or expired), WaitlistBusyError.
    """
    now = now or timezone.now()

    def work() -> WaitlistEntry:
        with transactions.bounded_atomic():
            entry = _locked_entry(entry_id=entry_id, user=user)
            if entry.status == Status.WITHDRAWN:
                return entry
            if entry.status == Status.WAITING:
                _close(entry, status=Status.WITHDRAWN, now=now, reason="")
            elif entry.status == Status.OFFERED:
                _end_offer(entry, booking=_locked_booking(entry), status=Status.WITHDRAWN, now=now)
            else:
                raise NotLiveError()
            return entry

    return _retrying(work)


def _locked_entry(*, entry_id: object, user: AbstractBaseUser) -> WaitlistEntry:
    if isinstance(entry_id, bool) or not isinstance(entry_id, int):
        raise EntryNotFoundError()
    entry = (
        WaitlistEntry.objects.select_for_update().filter(pk=entry_id, resident_id=user.pk).first()
    )
    if entry is None:  # someone else's entry is not revealed either
        raise EntryNotFoundError()
    return entry


def _locked_booking(entry: WaitlistEntry) -> Booking:
    assert entry.booking_id is not None  # an offered entry has its hold (check constraint)
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("venue__policy")
        .get(pk=entry.booking_id)
    )


def _end_offer(entry: WaitlistEntry, *, booking: Booking, status: str, now: dt.datetime) -> None:
    """Close an offered entry; release its hold if it still holds the places (the one
    give-back path announces them after the commit, and the next in line is offered them)."""
    if booking.status == Booking.Status.HELD:
        booking_services.release_hold(booking=booking, now=now, expired=status == Status.EXPIRED)
    _close(entry, status=status, now=now, reason="")


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
        if _retrying(functools.partial(_expire_one, entry_id=entry_id, now=now)):
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
        booking = _locked_booking(entry)
        if booking.status != Booking.Status.HELD:
            _settle_ended_hold(entry, booking=booking, now=now)
            return booking.status in (Booking.Status.EXPIRED, Booking.Status.NO_SHOW)
        _end_offer(entry, booking=booking, status=Status.EXPIRED, now=now)
        return True


def _policy(slot: Slot) -> BookingPolicy | None:
    try:
        return slot.venue.policy
    except BookingPolicy.DoesNotExist:
        return None
