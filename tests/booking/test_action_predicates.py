"""The predicates pages use to offer a no-show or a cancellation (and to warn that it is late)
agree with the services that decide (check-in: tests/checkin/test_action_predicates.py)."""

import pytest

from booking import rules
from booking.exceptions import NotCancellableError, NotNoShowableError
from booking.models import Booking
from booking.services import cancel_booking
from booking.standing import can_mark_no_show, mark_no_show
from tests.factories import BookingFactory, SlotFactory
from tests.predicate_grid import MOMENTS, STATUSES, at
from venues.policies import policy_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("now", MOMENTS)
def test_can_mark_no_show_is_what_mark_no_show_accepts(court, staff_user, status, now):
    # The factory takes no place itself: an active booking's place is taken here.
    taken = status in Booking.ACTIVE_STATUSES
    slot = SlotFactory(
        resource=court, starts_at=at(12), ends_at=at(13), remaining=0 if taken else 1
    )
    booking = BookingFactory(slot=slot, status=status)
    predicted = can_mark_no_show(booking=booking, now=now)
    try:
        mark_no_show(booking_id=booking.pk, by_user=staff_user, now=now)
    except NotNoShowableError:
        accepted = False
    else:
        accepted = True
    assert accepted == predicted


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("now", MOMENTS)
def test_cancellable_and_late_are_what_cancel_booking_does(court, status, now):
    # The policy's deadline is 2 hours before the start (10:00 for a 12:00 slot).
    slot = SlotFactory(resource=court, starts_at=at(12), ends_at=at(13), remaining=0)
    booking = BookingFactory(slot=slot, status=status)  # holds the court's one place
    cancellable = rules.is_cancellable(status=booking.status, starts_at=booking.starts_at, now=now)
    late = rules.is_late_cancellation(
        status=booking.status,
        starts_at=booking.starts_at,
        policy=policy_for(booking.venue),
        now=now,
    )
    try:
        cancelled = cancel_booking(booking_id=booking.pk, by_user=booking.resident, now=now)
    except NotCancellableError:
        assert not cancellable
    else:
        assert cancellable or status == Booking.Status.CANCELLED  # a double tap is no error
        if status != Booking.Status.CANCELLED:
            assert cancelled.late_cancellation == late
