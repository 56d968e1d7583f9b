"""Steps that more than one of booking's writes take: the per-resident limits checked under the
resident's row lock, the unsaved row of a new booking, a booking's change of state, and what
runs once a new booking has committed.

`booking.services` (placing, cancelling, checking in) and `booking.holds` (the hold lifecycle)
use them; they take no lock of their own.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F
from django.utils.translation import gettext as _

from booking import locking, rules, signals
from booking.exceptions import (
    AlreadyBookedError,
    QuotaExceededError,
    SlotFullError,
    SlotTakenError,
    SlotUnavailableError,
)
from booking.models import Booking, Slot
from common import notices
from venues.models import BookingPolicy
from venues.policies import or_default

BOOKING_TRANSACTION = "a booking transaction"  # how the retry log line names it


def unavailable(slot: Slot) -> SlotUnavailableError:
    """The refusal for a slot without the places asked for: taken (exclusive) or full."""
    return SlotTakenError() if slot.resource.exclusive else SlotFullError()


def new_booking(
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


def check_resident_limits(
    *, resident: AbstractBaseUser, slot: Slot, policy: BookingPolicy | None
) -> None:
    """Per venue: one active booking per slot, bookings per day and week, hours per day.

    Runs under the resident's row lock, so it sees every booking the resident has committed.
    Raises AlreadyBookedError, QuotaExceededError (with `limit` and `max`).
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


def change_state(booking: Booking, **changes: object) -> None:
    """Save a booking's new status and the fields that go with it, one `sequence` step up (so
    calendar subscribers see the change), and read the new sequence back.

    Call inside the transaction that locked the booking row.
    """
    for name, value in changes.items():
        setattr(booking, name, value)
    booking.sequence = F("sequence") + 1
    booking.save(update_fields=[*changes, "sequence", "updated_at"])
    booking.refresh_from_db(fields=["sequence"])


def after_booking_placed(booking: Booking) -> None:
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
