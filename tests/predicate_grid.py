"""The grid on which a page's predicate is checked against the service that decides: a 12:00
to 13:00 slot on one day, moments around its deadline, start, grace and end, and every status a
booking can have (tests/booking/test_action_predicates.py, tests/checkin/...)."""

import datetime as dt

from booking import rules
from booking.models import Booking

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
