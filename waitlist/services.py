"""Writes of the waiting list: queue, offer freed places, accept, decline, withdraw, expire.

An offer is a held booking (`booking.holds.hold_places`) made for the first resident in line
whose party fits, in the same transaction that marks their entry offered: the offered places are
occupied by that hold, so nobody else can book them, and the entry and its hold commit together
or not at all. Declined, withdrawn and expired offers release the hold through booking's one
give-back path, whose `places_freed` signal (after the commit) offers them to the next in line.
The sweep `expire_offers` (Celery beat and `manage.py expire_offers`) ends offers past their
expiry and offers any free places a missed signal or a dead process left behind.

Lock order, everywhere: the slot's queue (a PostgreSQL advisory lock, offers only) → entry
rows → booking row → slot row → the resident's user row (booking's order after the entry).

This module holds the resident's answers to an offer; joining (`waitlist.queue`) and making and
sweeping offers (`waitlist.offers`) live in modules of their own and are listed here too.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from booking import holds
from booking.models import Booking
from common import notices, transactions
from waitlist import offers, queue, steps
from waitlist.exceptions import (
    EntryNotFoundError,
    NotLiveError,
    NotOfferedError,
    OfferExpiredError,
)
from waitlist.models import WaitlistEntry

Status = WaitlistEntry.Status

# Writes that live in modules of their own, listed here with the others.
join_waitlist = queue.join_waitlist
offer_freed_places = offers.offer_freed_places
expire_offers = offers.expire_offers


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
    booking, expired = steps.retrying(lambda: _accept(entry_id=entry_id, user=user, now=now))
    if expired:
        raise OfferExpiredError()
    assert booking is not None
    if booking.status == Booking.Status.HELD:
        holds.start_held_payment(booking=booking)  # the payment path, as after a paid booking
    else:
        notices.ring()
    return booking


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
        booking = steps.locked_booking(entry)
        assert entry.offer_expires_at is not None  # the check constraint
        if booking.is_active and booking.status != Booking.Status.HELD:  # paid meanwhile
            steps.settle_ended_hold(entry, booking=booking, now=now)
            return booking, False
        if booking.status != Booking.Status.HELD or now >= entry.offer_expires_at:
            steps.end_offer(entry, booking=booking, status=Status.EXPIRED, now=now)
            return None, True
        if booking.price:
            holds.extend_hold_for_payment(booking=booking, now=now)
        else:
            holds.confirm_hold(booking=booking, now=now)
        steps.close(entry, status=Status.ACCEPTED, now=now, reason="")
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
            steps.end_offer(
                entry, booking=steps.locked_booking(entry), status=Status.DECLINED, now=now
            )
            return entry

    return steps.retrying(work)


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
                steps.close(entry, status=Status.WITHDRAWN, now=now, reason="")
            elif entry.status == Status.OFFERED:
                steps.end_offer(
                    entry, booking=steps.locked_booking(entry), status=Status.WITHDRAWN, now=now
                )
            else:
                raise NotLiveError()
            return entry

    return steps.retrying(work)


def _locked_entry(*, entry_id: object, user: AbstractBaseUser) -> WaitlistEntry:
    if isinstance(entry_id, bool) or not isinstance(entry_id, int):
        raise EntryNotFoundError()
    entry = (
        WaitlistEntry.objects.select_for_update().filter(pk=entry_id, resident_id=user.pk).first()
    )
    if entry is None:  # someone else's entry is not revealed either
        raise EntryNotFoundError()
    return entry
