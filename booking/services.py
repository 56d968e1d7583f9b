"""Writes of the booking app. `place_booking` is the only code that creates a Booking.

Lock order, everywhere: booking row (cancellation only) → slot row → the resident's user row.
The slot row arbitrates a rush with one conditional UPDATE; the PostgreSQL exclusion constraint
is the safety net behind it (see docs/architecture.md, "Locking recipe").

This module is the app's list of writes: cancelling (`booking.cancellation`) and the hold
lifecycle (`booking.holds`) live in modules of their own and are re-exported here.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import cancellation, holds, hooks, locking, rules, selectors, steps
from booking.exceptions import (
    AlreadyBookedError,
    BookingBusyError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
    InvalidPartySizeError,
    PartyTooLargeError,
    PaymentUnavailableError,
    SlotClosedError,
    SlotInPastError,
    SlotNotFoundError,
    SlotUnavailableError,
    SuspendedError,
    WindowNotOpenError,
)
from booking.models import Booking, Slot
from common import transactions
from venues.models import BookingPolicy
from venues.policies import or_default

logger = logging.getLogger(__name__)

MAX_PARTY_SIZE = 1000
MAX_ID = 2**63 - 1  # bigint
MAX_IDEMPOTENCY_KEY_LENGTH = 100  # Booking.idempotency_key.max_length

# Writes that live in modules of their own, listed here with the others.
cancel_booking = cancellation.cancel_booking
hold_places = holds.hold_places
confirm_hold = holds.confirm_hold
confirm_paid_hold = holds.confirm_paid_hold
release_hold = holds.release_hold
extend_hold_for_payment = holds.extend_hold_for_payment
start_held_payment = holds.start_held_payment


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    created: bool  # False when an Idempotency-Key replayed an earlier booking


def place_booking(
    *,
    resident: AbstractBaseUser,
    slot_id: int,
    party_size: int = 1,
    idempotency_key: str = "",
    now: dt.datetime | None = None,
    read: selectors.SlotForBooking | None = None,
) -> BookingResult:
    """Book `party_size` places of a slot for a resident, in one step.

    Invariants: a slot never sells more than its places (a conditional UPDATE of
    `Slot.remaining` arbitrates; on PostgreSQL the exclusion constraint is the safety net); one
    active booking per resident per slot; the per-resident limits hold even when one resident
    books several slots at once (their user row is locked while counting); one Idempotency-Key
    makes at most one booking, and a repeat returns it with `created=False`. Free slots are
    confirmed at once; paid slots start as held until `hold_expires_at`.

    Raises InvalidPartySizeError, InvalidIdempotencyKeyError, SlotNotFoundError,
    IdempotencyKeyReusedError, SlotClosedError, SlotInPastError, WindowNotOpenError (with
    `opens_at`), PartyTooLargeError, PaymentUnavailableError, SuspendedError (with
    `suspended_until`), AlreadyBookedError, SlotTakenError / SlotFullError,
    QuotaExceededError, BookingBusyError.

    `read` is this attempt's read when the caller has already made it with
    `selectors.get_slot_for_booking` for the same resident, slot, key and `now` (the API
    does, to authenticate the resident in the same statement); the input must have passed
    `check_booking_input` then.
    """
    now = now or timezone.now()
    key = check_booking_input(
        slot_id=slot_id, party_size=party_size, idempotency_key=idempotency_key
    )
    if read is None:
        # One query reads everything the checks below need, so that a refused attempt in a
        # rush costs a single read and never opens a write transaction.
        read = selectors.get_slot_for_booking(
            slot_id=slot_id,
            resident=selectors.ResidentLookup.by_id(resident.pk),
            idempotency_key=key,
            now=now,
        )
    if read is None or read.slot is None:  # no such slot (or the resident was just deleted)
        raise SlotNotFoundError()
    slot, policy = read.slot, read.policy
    if read.keyed_booking_id is not None:
        return _replay(resident=resident, slot=slot, idempotency_key=key)
    _check_slot_is_bookable(slot=slot, policy=policy, party_size=party_size, now=now)
    _check_not_suspended(read.suspended_until)
    if read.own_booking_id is not None:
        raise AlreadyBookedError()
    places = 1 if slot.resource.exclusive else party_size
    if slot.remaining < places:
        # The read may be a few milliseconds old; only a cancellation racing this request could
        # make it wrong, and then the answer is as true as it was when the request arrived.
        raise steps.unavailable(slot)
    # Apps that allocate slots otherwise (ballots) refuse first-come here; after the cheap
    # refusals above, so that a sold-out slot in a rush costs no extra query.
    hooks.check_booking_gates(slot_id=slot.pk, now=now)

    try:
        booking = transactions.retrying(
            lambda: _insert_booking(
                resident=resident,
                slot=slot,
                policy=policy,
                party_size=party_size,
                places=places,
                idempotency_key=key,
                now=now,
            ),
            busy=BookingBusyError,
            what=steps.BOOKING_TRANSACTION,
        )
    except (AlreadyBookedError, SlotUnavailableError, IntegrityError) as exc:
        # A twin request (a double tap) may have committed while this one waited for the slot
        # or resident row: answer with the twin's booking rather than a misleading "taken".
        earlier = selectors.get_own_booking(resident_id=resident.pk, slot=slot, idempotency_key=key)
        if earlier is not None:
            if key and earlier.idempotency_key == key:
                return _replay_of(earlier, slot_id=slot.pk)
            raise AlreadyBookedError() from exc
        if isinstance(exc, IntegrityError):
            raise _integrity_error_to_domain(exc, slot=slot) from exc
        raise
    steps.after_booking_placed(booking)
    return BookingResult(booking=booking, created=True)


def check_in_booking(*, booking: Booking, at: dt.datetime) -> None:
    """Mark a confirmed booking as checked in: its party came in at `at`.

    The one place a booking becomes checked_in. Call inside the transaction that locked the
    booking row, after the check-in rules (window, venue, who scans) have let it in:
    `checkin.services.check_in` does both. Invariant: a booking is checked in at most once.

    Raises ValueError for a booking that is not confirmed (the check-in rules refuse it first).
    """
    if booking.status != Booking.Status.CONFIRMED:
        raise ValueError(f"booking {booking.pk} is {booking.status}, not confirmed")
    steps.change_state(booking, status=Booking.Status.CHECKED_IN, checked_in_at=at)


@dataclass(frozen=True)
class PlaceAllocation:
    """Places of a slot that an allocation (a ballot draw) gives to a resident."""

    resident_id: int
    slot: Slot  # with `resource` loaded
    party_size: int


def place_allocated_bookings(
    *, allocations: list[PlaceAllocation], hold_until: dt.datetime, now: dt.datetime
) -> list[int]:
    """Book the places a ballot draw gave out, all at once, inside the caller's transaction;
    returns the new bookings' ids in `allocations` order.

    The second way a Booking is made, beside `place_booking`: for many residents at once,
    with the slots' places taken by the same conditional UPDATE (one statement for all
    slots), and the bookings inserted by one statement. Free slots are confirmed; paid ones
    are held until `hold_until` (their payment starts from the pay page; an unpaid hold
    expires and gives its places back). The per-person limits are the caller's to have
    applied (the draw leaves out choices that would break them); the database constraints
    (one active booking per resident and slot, no overlap on exclusive resources) still hold.

    Raises SlotUnavailableError when a slot has fewer places left than given out: the
    caller's transaction must then roll back.
    """
    if not allocations:
        return []
    wanted: dict[int, int] = {}
    rows = []
    for a in allocations:
        slot = a.slot
        exclusive = slot.resource.exclusive
        places = 1 if exclusive else a.party_size
        wanted[slot.pk] = wanted.get(slot.pk, 0) + places
        held = slot.price > 0
        rows.append(
            {
                "slot_id": slot.pk,
                "resource_id": slot.resource_id,
                "resident_id": a.resident_id,
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "exclusive": exclusive,
                "party_size": a.party_size,
                "places": places,
                "price": slot.price * (1 if exclusive else a.party_size),
                "status": Booking.Status.HELD.value if held else Booking.Status.CONFIRMED.value,
                "hold_expires_at": hold_until if held else None,
                "confirmed_at": None if held else now,
            }
        )
    if locking.take_places_in_bulk(wanted) != len(wanted):
        raise SlotUnavailableError()
    template = Booking(venue_id=allocations[0].slot.venue_id)
    return locking.insert_bookings_in_bulk(template=template, rows=rows)


def check_booking_input(*, slot_id: object, party_size: object, idempotency_key: object) -> str:
    """Check what a booking attempt asks for before anything is read; returns the key to use.

    Raises InvalidPartySizeError, InvalidIdempotencyKeyError, SlotNotFoundError (an id that
    cannot exist).
    """
    _check_party_size(party_size)
    key = _check_idempotency_key(idempotency_key)
    if isinstance(slot_id, bool) or not isinstance(slot_id, int) or not 0 < slot_id <= MAX_ID:
        raise SlotNotFoundError()
    return key


# --- place_booking helpers ----------------------------------------------------------------


def _check_party_size(party_size: object) -> None:
    if (
        isinstance(party_size, bool)
        or not isinstance(party_size, int)
        or not 1 <= party_size <= MAX_PARTY_SIZE
    ):
        raise InvalidPartySizeError()


def _check_idempotency_key(key: object) -> str:
    if not key:
        return ""
    # Visible ASCII ("!" to "~"): printable ASCII without the space, checked in C.
    if (
        not isinstance(key, str)
        or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH
        or not (key.isascii() and key.isprintable())
        or " " in key
    ):
        raise InvalidIdempotencyKeyError()
    return key


def _check_slot_is_bookable(
    *, slot: Slot, policy: BookingPolicy | None, party_size: int, now: dt.datetime
) -> None:
    if slot.is_closed or not slot.resource.is_active or not slot.venue.is_active:
        raise SlotClosedError(slot.closed_reason or None)
    if slot.starts_at <= now:
        raise SlotInPastError()
    opens_at = rules.booking_opens_at(starts_at=slot.starts_at, policy=policy)
    if now < opens_at:
        local = opens_at.astimezone(rules.local_tz())
        raise WindowNotOpenError(
            _("Booking opens at %(time)s.") % {"time": f"{local:%Y-%m-%d %H:%M}"},
            extra={"opens_at": local.isoformat()},
        )
    if party_size > slot.capacity:
        raise PartyTooLargeError(
            _("At most %(n)s people fit this slot.") % {"n": slot.capacity},
            fields={"party_size": [f"Must be at most {slot.capacity}."]},
        )
    if slot.price > 0 and not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()


def _check_not_suspended(suspended_until: dt.datetime | None) -> None:
    if suspended_until is None:
        return
    local = suspended_until.astimezone(rules.local_tz())
    raise SuspendedError(
        _("Booking is suspended until %(time)s (repeated no-shows or late cancellations).")
        % {"time": f"{local:%Y-%m-%d %H:%M}"},
        extra={"suspended_until": local.isoformat()},
    )


def _replay(*, resident: AbstractBaseUser, slot: Slot, idempotency_key: str) -> BookingResult:
    booking = selectors.get_own_booking(
        resident_id=resident.pk, slot=slot, idempotency_key=idempotency_key
    )
    assert booking is not None  # the read found it a moment ago; bookings are never deleted
    return _replay_of(booking, slot_id=slot.pk)


def _replay_of(booking: Booking, *, slot_id: int) -> BookingResult:
    if booking.slot_id != slot_id:
        raise IdempotencyKeyReusedError()
    return BookingResult(booking=booking, created=False)


def _insert_booking(
    *,
    resident: AbstractBaseUser,
    slot: Slot,
    policy: BookingPolicy | None,
    party_size: int,
    places: int,
    idempotency_key: str,
    now: dt.datetime,
) -> Booking:
    with transaction.atomic(durable=True):
        # 1. The slot row arbitrates: losers match no row and leave at once. 2. Then the
        # resident's row, so that their limits count every committed booking.
        if not locking.take_places_and_lock_resident(
            slot_id=slot.pk, places=places, user_id=resident.pk
        ):
            raise steps.unavailable(slot)
        steps.check_resident_limits(resident=resident, slot=slot, policy=policy)
        # 3. Then the insert; on PostgreSQL the exclusion constraint checks it once more.
        held = slot.price > 0
        hold_minutes = or_default(policy).hold_minutes
        booking = steps.new_booking(
            slot=slot,
            resident=resident,
            party_size=party_size,
            places=places,
            status=Booking.Status.HELD if held else Booking.Status.CONFIRMED,
            idempotency_key=idempotency_key,
            hold_expires_at=now + dt.timedelta(minutes=hold_minutes) if held else None,
            confirmed_at=None if held else now,
        )
        locking.insert_booking(booking)
        return booking


def _integrity_error_to_domain(exc: IntegrityError, *, slot: Slot) -> Exception:
    message = str(exc)
    if "booking_one_active_per_resident_slot" in message:
        return AlreadyBookedError()
    # The exclusion constraint is the safety net behind the slot row: it should never fire.
    logger.error("integrity error while booking slot %s: %s", slot.pk, message)
    return steps.unavailable(slot)
