"""Writes of the booking app. `place_booking` is the only code that creates a Booking.

Lock order, everywhere: booking row (cancellation only) → slot row → the resident's user row.
The slot row arbitrates a rush with one conditional UPDATE; the PostgreSQL exclusion constraint
is the safety net behind it (see docs/architecture.md, "Locking recipe").
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import hooks, locking, rules, selectors, signals, standing
from booking.exceptions import (
    AlreadyBookedError,
    BookingBusyError,
    BookingNotFoundError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
    InvalidPartySizeError,
    NotCancellableError,
    PartyTooLargeError,
    PaymentUnavailableError,
    QuotaExceededError,
    SlotClosedError,
    SlotFullError,
    SlotInPastError,
    SlotNotFoundError,
    SlotTakenError,
    SlotUnavailableError,
    SuspendedError,
    WindowNotOpenError,
)
from booking.models import Booking, Slot
from common import notices, transactions
from venues.models import BookingPolicy
from venues.policies import or_default, policy_for

logger = logging.getLogger(__name__)

MAX_PARTY_SIZE = 1000
MAX_ID = 2**63 - 1  # bigint
MAX_IDEMPOTENCY_KEY_LENGTH = 100  # Booking.idempotency_key.max_length
BOOKING_TRANSACTION = "a booking transaction"  # how the retry log line names it


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
        raise _unavailable(slot)
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
            what=BOOKING_TRANSACTION,
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
    _after_booking_placed(booking)
    return BookingResult(booking=booking, created=True)


def cancel_booking(
    *,
    booking_id: int,
    by_user: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a held or confirmed booking and give its places back to the slot.

    A resident cancels their own booking; venue staff (and district admins) may cancel any
    booking of their venue. A resident's cancellation of a confirmed booking after the policy's
    deadline is recorded as `late_cancellation`; staff cancellations never are. A booking is
    never deleted. Cancelling an already cancelled booking returns it unchanged (a double tap
    gives back places once).

    Raises BookingNotFoundError (also for a booking the user may not see), NotCancellableError
    (checked in, expired, no-show, or already started), BookingBusyError.
    """
    now = now or timezone.now()
    booking, changed = transactions.retrying(
        lambda: _cancel(booking_id=booking_id, by_user=by_user, now=now),
        busy=BookingBusyError,
        what=BOOKING_TRANSACTION,
    )
    if changed:
        _after_cancel(booking)
    return booking


def check_in_booking(*, booking: Booking, at: dt.datetime) -> None:
    """Mark a confirmed booking as checked in: its party came in at `at`.

    The one place a booking becomes checked_in. Call inside the transaction that locked the
    booking row, after the check-in rules (window, venue, who scans) have let it in:
    `checkin.services.check_in` does both. Invariant: a booking is checked in at most once.

    Raises ValueError for a booking that is not confirmed (the check-in rules refuse it first).
    """
    if booking.status != Booking.Status.CONFIRMED:
        raise ValueError(f"booking {booking.pk} is {booking.status}, not confirmed")
    booking.status = Booking.Status.CHECKED_IN
    booking.checked_in_at = at
    booking.sequence = F("sequence") + 1
    booking.save(update_fields=["status", "checked_in_at", "sequence", "updated_at"])
    booking.refresh_from_db(fields=["sequence"])


def confirm_paid_hold(*, booking: Booking, now: dt.datetime) -> None:
    """Confirm a held booking whose payment succeeded, and owe its confirmation e-mail.

    Call inside the caller's transaction with the booking row locked (the payments app locks
    booking row, then payment row); the notice exists if and only if that transaction commits,
    and the caller rings the outbox's doorbell after the commit.
    Raises ValueError for a booking that is not held.
    """
    if booking.status != Booking.Status.HELD:
        raise ValueError(f"booking {booking.pk} is {booking.status}, not held")
    booking.status = Booking.Status.CONFIRMED
    booking.confirmed_at = now
    booking.sequence = F("sequence") + 1
    booking.save(update_fields=["status", "confirmed_at", "sequence", "updated_at"])
    booking.refresh_from_db(fields=["sequence"])
    notices.owe(kind=Booking.CONFIRMATION_NOTICE, refs=[booking.pk], now=now)


def release_hold(*, booking: Booking, now: dt.datetime | None = None, expired: bool = True) -> None:
    """End a held booking and give its places back: expired (its hold ran out, its payment
    failed, an offer lapsed) or, with `expired=False`, cancelled by its holder (an offer
    declined or withdrawn, at `now`).

    Call inside the caller's transaction with the booking row locked; the slot row is locked
    last (`locking.give_back_places`, the one give-back path, which announces the places once
    committed). Raises ValueError for a booking that is not held.
    """
    if booking.status != Booking.Status.HELD:
        raise ValueError(f"booking {booking.pk} is {booking.status}, not held")
    fields = ["status", "sequence", "updated_at"]
    if expired:
        booking.status = Booking.Status.EXPIRED
    else:
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now or timezone.now()
        booking.cancelled_by_id = booking.resident_id
        fields += ["cancelled_at", "cancelled_by"]
    booking.sequence = F("sequence") + 1
    booking.save(update_fields=fields)
    booking.refresh_from_db(fields=["sequence"])
    locking.give_back_places(slot_id=booking.slot_id, places=booking.places)


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


# --- hooks: single places for work that must happen after the booking transaction commits ---


def _after_booking_placed(booking: Booking) -> None:
    """Run after a new booking has committed (never for a replay).

    A held (paid) booking is announced (`signals.booking_held`): the payments app starts its
    payment, outside any lock, since no Stripe call may run while the slot row is locked. A
    confirmed one rings the outbox's doorbell: its confirmation notice was written with it
    (`locking.insert_booking`).
    """
    if booking.status == Booking.Status.HELD:
        signals.booking_held.send(sender=Booking, booking=booking)
    else:
        notices.ring()


def _after_cancel(booking: Booking) -> None:
    """Run after a cancellation has committed (once per booking).

    The payment is settled first (`signals.booking_cancelled`: the payments app refunds a paid
    booking or cancels its intent), then a late cancellation becomes a strike.
    """
    signals.booking_cancelled.send(sender=Booking, booking=booking)
    if booking.late_cancellation:
        standing.record_late_cancellation(booking_id=booking.pk)


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


def _unavailable(slot: Slot) -> SlotUnavailableError:
    return SlotTakenError() if slot.resource.exclusive else SlotFullError()


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
            raise _unavailable(slot)
        _check_resident_limits(resident=resident, slot=slot, policy=policy)
        # 3. Then the insert; on PostgreSQL the exclusion constraint checks it once more.
        held = slot.price > 0
        hold_minutes = or_default(policy).hold_minutes
        booking = _new_booking(
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


def _new_booking(
    *, slot: Slot, resident: AbstractBaseUser, party_size: int, places: int, **state: object
) -> Booking:
    """An unsaved booking of `places` of `slot` for `resident`; `state`: status, hold, key."""
    return Booking(
        slot=slot,
        resource=slot.resource,
        venue=slot.venue,
        resident_id=resident.pk,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        exclusive=slot.resource.exclusive,
        party_size=party_size,
        places=places,
        price=slot.price * (1 if slot.resource.exclusive else party_size),
        **state,
    )


def _check_resident_limits(
    *, resident: AbstractBaseUser, slot: Slot, policy: BookingPolicy | None
) -> None:
    """Per venue: one active booking per slot, bookings per day and week, hours per day.

    Runs under the resident's row lock, so it sees every booking the resident has committed.
    """
    policy = or_default(policy)
    day_start, day_end = rules.day_bounds(rules.local_date(slot.starts_at))
    week_start, week_end = rules.week_bounds(rules.local_date(slot.starts_at))
    bookings = locking.list_active_bookings(
        resident_id=resident.pk,
        venue_id=slot.venue_id,
        starts_from=min(week_start, day_start),
        starts_before=max(week_end, day_end),
    )
    if any(b.slot_id == slot.pk for b in bookings):
        raise AlreadyBookedError()
    broken = rules.broken_limit(
        policy=policy,
        booked=[(b.starts_at, b.ends_at) for b in bookings],
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )
    if broken == rules.PER_DAY:
        raise QuotaExceededError(
            _("At most %(n)s bookings per day at this venue.") % {"n": policy.max_bookings_per_day},
            extra={"limit": "per_day", "max": policy.max_bookings_per_day},
        )
    if broken == rules.PER_WEEK:
        raise QuotaExceededError(
            _("At most %(n)s bookings per week at this venue.")
            % {"n": policy.max_bookings_per_week},
            extra={"limit": "per_week", "max": policy.max_bookings_per_week},
        )
    if broken == rules.HOURS_PER_DAY:
        raise QuotaExceededError(
            _("At most %(n)s hours per day at this venue.") % {"n": policy.max_hours_per_day},
            extra={"limit": "hours_per_day", "max": str(policy.max_hours_per_day)},
        )


def _integrity_error_to_domain(exc: IntegrityError, *, slot: Slot) -> Exception:
    message = str(exc)
    if "booking_one_active_per_resident_slot" in message:
        return AlreadyBookedError()
    # The exclusion constraint is the safety net behind the slot row: it should never fire.
    logger.error("integrity error while booking slot %s: %s", slot.pk, message)
    return _unavailable(slot)


# --- cancel_booking helpers -----------------------------------------------------------------


def _cancel(
    *, booking_id: object, by_user: AbstractBaseUser, now: dt.datetime
) -> tuple[Booking, bool]:
    if isinstance(booking_id, bool) or not isinstance(booking_id, int):
        raise BookingNotFoundError()
    with transactions.bounded_atomic():
        try:
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("venue__policy", "resource")
                .get(pk=booking_id)
            )
        except Booking.DoesNotExist as exc:
            raise BookingNotFoundError() from exc
        is_owner = booking.resident_id == by_user.pk
        if not is_owner and not selectors.is_venue_staff(user=by_user, venue_id=booking.venue_id):
            raise BookingNotFoundError()  # not visible to this user: do not reveal it exists
        if booking.status == Booking.Status.CANCELLED:
            return booking, False
        if not rules.is_cancellable(status=booking.status, starts_at=booking.starts_at, now=now):
            if booking.status in rules.CANCELLABLE_STATUSES:
                raise NotCancellableError(_("A started booking cannot be cancelled."))
            raise NotCancellableError(
                _("A booking that is “%(status)s” cannot be cancelled.")
                % {"status": booking.get_status_display()}
            )
        booking.late_cancellation = rules.is_late_cancellation(
            status=booking.status,
            starts_at=booking.starts_at,
            policy=policy_for(booking.venue),
            now=now,
            by_owner=is_owner,
        )
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = cast(User, by_user)  # AUTH_USER_MODEL is auth.User
        booking.sequence += 1  # the row is locked: no lost update
        booking.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancelled_by",
                "late_cancellation",
                "sequence",
                "updated_at",
            ]
        )
        # Lock order: booking row, then slot row; place_booking never locks a booking row.
        locking.give_back_places(slot_id=booking.slot_id, places=booking.places)
    return booking, True


# --- holds made for someone else's offer (the waiting list) ---------------------------------
# Called by apps that hand out freed places (waitlist/) inside their own transaction, so that
# their record of the offer and the hold commit together or not at all.


def hold_places(
    *, resident: AbstractBaseUser, slot: Slot, party_size: int, until: dt.datetime, now: dt.datetime
) -> Booking | None:
    """Hold places of a slot for a resident until `until`: a held booking nobody else can take.

    Call inside a transaction (a savepoint of it, since a refusal leaves the places taken until
    it rolls back). The same statements, in the same order, as `place_booking`: the slot row
    arbitrates (conditional UPDATE), then the resident's row, then the limits, then the insert;
    the hold is `held` with `hold_expires_at = until` whatever the price (accepting it goes
    through `confirm_hold` or `extend_hold_for_payment`). Returns None when the slot has not
    the places any more (nothing is taken then).

    Raises AlreadyBookedError, QuotaExceededError (the resident's limits still apply).
    """
    places = 1 if slot.resource.exclusive else party_size
    if not locking.take_places_and_lock_resident(
        slot_id=slot.pk, places=places, user_id=resident.pk
    ):
        return None
    _check_resident_limits(resident=resident, slot=slot, policy=policy_for(slot.venue))
    booking = _new_booking(
        slot=slot,
        resident=resident,
        party_size=party_size,
        places=places,
        status=Booking.Status.HELD,
        hold_expires_at=until,
    )
    locking.insert_booking(booking)
    return booking


def confirm_hold(*, booking: Booking, now: dt.datetime) -> None:
    """Turn a free held booking into a confirmed one, owing its confirmation e-mail.

    Call inside the transaction that locked the booking row; ring `common.notices` after the
    commit. Raises ValueError for a booking that is not held or not free.
    """
    if booking.status != Booking.Status.HELD or booking.price:
        raise ValueError(f"booking {booking.pk} is not a free hold")
    booking.status = Booking.Status.CONFIRMED
    booking.confirmed_at = now
    booking.hold_expires_at = None
    booking.sequence = F("sequence") + 1
    booking.save(
        update_fields=["status", "confirmed_at", "hold_expires_at", "sequence", "updated_at"]
    )
    booking.refresh_from_db(fields=["sequence"])
    notices.owe(kind=Booking.CONFIRMATION_NOTICE, refs=[booking.pk], now=now)


def extend_hold_for_payment(*, booking: Booking, now: dt.datetime) -> None:
    """Make a held paid booking the normal paid hold: it keeps its places for the policy's
    `hold_minutes` from now, like one just placed. Call inside the transaction that locked the
    booking row; call `start_held_payment` after the commit.
    """
    if booking.status != Booking.Status.HELD or not booking.price:
        raise ValueError(f"booking {booking.pk} is not a paid hold")
    minutes = policy_for(booking.venue).hold_minutes
    booking.hold_expires_at = now + dt.timedelta(minutes=minutes)
    booking.save(update_fields=["hold_expires_at", "updated_at"])


def start_held_payment(*, booking: Booking) -> None:
    """Start the payment of a held paid booking, as after `place_booking` (no lock held)."""
    _after_booking_placed(booking)
