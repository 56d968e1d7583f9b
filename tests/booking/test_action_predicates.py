"""The predicate pages use to offer a no-show agrees with the service that decides (check-in:
tests/checkin/test_action_predicates.py)."""

import datetime as dt

import pytest

from booking import rules
from booking.exceptions import NotNoShowableError
from booking.models import Booking
from booking.standing import can_mark_no_show, mark_no_show
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2030, 1, 7)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=rules.local_tz())


MOMENTS = [at(10), at(11, 44), at(11, 45), at(12), at(12, 15), at(12, 16), at(13), at(14)]
STATUSES = [
    Booking.Status.CONFIRMED,
    Booking.Status.CHECKED_IN,
    Booking.Status.NO_SHOW,
    Booking.Status.CANCELLED,
    Booking.Status.HELD,
]


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
