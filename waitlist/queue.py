"""Joining a slot's waiting list: who may queue, for how many places, and only while the slot
has not the places the party needs.

Lock order: the slot row (a share lock, while the entry is made) → nothing else.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from booking import rules
from booking import services as booking_services
from booking.exceptions import (
    AlreadyBookedError,
    PartyTooLargeError,
    PaymentUnavailableError,
    SlotClosedError,
    SlotInPastError,
    SlotNotFoundError,
    SuspendedError,
    WindowNotOpenError,
)
from booking.models import Booking, Slot
from common import transactions
from venues.policies import policy_for
from waitlist import steps
from waitlist.exceptions import AlreadyWaitingError, NotFullError
from waitlist.models import WaitlistEntry


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

    return steps.retrying(work)


def _check_slot_can_be_queued_for(*, slot: Slot, party_size: int, now: dt.datetime) -> None:
    if slot.is_closed or not slot.resource.is_active or not slot.venue.is_active:
        raise SlotClosedError(slot.closed_reason or None)
    if slot.starts_at <= now:
        raise SlotInPastError()
    opens_at = rules.booking_opens_at(starts_at=slot.starts_at, policy=policy_for(slot.venue))
    if now < opens_at:
        local = opens_at.astimezone(rules.local_tz())
        raise WindowNotOpenError(extra={"opens_at": local.isoformat()})
    if party_size > slot.capacity:
        raise PartyTooLargeError(fields={"party_size": [f"Must be at most {slot.capacity}."]})
    if slot.price > 0 and not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()


def _check_resident(*, resident_id: int, slot: Slot, now: dt.datetime) -> None:
    suspended_until = steps.suspended_until(resident_id=resident_id, now=now)
    if suspended_until is not None:
        local = suspended_until.astimezone(rules.local_tz())
        raise SuspendedError(extra={"suspended_until": local.isoformat()})
    if Booking.objects.active().filter(slot=slot, resident_id=resident_id).exists():
        raise AlreadyBookedError()


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
