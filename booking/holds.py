"""The hold lifecycle: a held booking is confirmed (paid, or a free offer accepted), released
(expired, declined, withdrawn) or kept for its payment.

Every function here changes a booking whose row the caller has locked, inside the caller's
transaction: the payments app (a paid hold confirmed or failed), the hold sweep, and apps that
hand out freed places (the waiting list), whose record of an offer and its hold commit together
or not at all. Lock order: booking row → slot row → the resident's user row, as in
`booking.services`; places are given back one way only, `locking.give_back_places`.
"""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from booking import locking, steps
from booking.models import Booking, Slot
from common import notices
from venues.policies import policy_for


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
    steps.check_resident_limits(resident=resident, slot=slot, policy=policy_for(slot.venue))
    booking = steps.new_booking(
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
    steps.change_state(
        booking, status=Booking.Status.CONFIRMED, confirmed_at=now, hold_expires_at=None
    )
    notices.owe(kind=Booking.CONFIRMATION_NOTICE, refs=[booking.pk], now=now)


def confirm_paid_hold(*, booking: Booking, now: dt.datetime) -> None:
    """Confirm a held booking whose payment succeeded, and owe its confirmation e-mail.

    Call inside the caller's transaction with the booking row locked (the payments app locks
    booking row, then payment row); the notice exists if and only if that transaction commits,
    and the caller rings the outbox's doorbell after the commit.
    Raises ValueError for a booking that is not held.
    """
    if booking.status != Booking.Status.HELD:
        raise ValueError(f"booking {booking.pk} is {booking.status}, not held")
    steps.change_state(booking, status=Booking.Status.CONFIRMED, confirmed_at=now)
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
    if expired:
        steps.change_state(booking, status=Booking.Status.EXPIRED)
    else:
        steps.change_state(
            booking,
            status=Booking.Status.CANCELLED,
            cancelled_at=now or timezone.now(),
            cancelled_by_id=booking.resident_id,
        )
    locking.give_back_places(slot_id=booking.slot_id, places=booking.places)


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
    steps.after_booking_placed(booking)
