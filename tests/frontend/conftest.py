import datetime as dt

import pytest
from django.utils import timezone

from booking import rules
from booking.models import Booking, Slot
from tests.factories import BookingFactory, SlotFactory


def local_today() -> dt.date:
    return rules.local_date(timezone.now())


def tomorrow_at(hour: int) -> dt.datetime:
    day = local_today() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=rules.local_tz())


def held_booking(slot: Slot, resident: object) -> Booking:
    """A booking of `slot` held for `resident` at ¥30.00, with ten minutes left to pay."""
    return BookingFactory(
        slot=slot,
        resident=resident,
        status=Booking.Status.HELD,
        price="30.00",
        hold_expires_at=timezone.now() + dt.timedelta(minutes=10),
    )


@pytest.fixture
def free_slot(court):  # type: ignore[no-untyped-def]
    starts = tomorrow_at(10)
    return SlotFactory(resource=court, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
