import datetime as dt

import pytest
from django.utils import timezone

from booking import rules
from tests.factories import SlotFactory


def local_today() -> dt.date:
    return rules.local_date(timezone.now())


def tomorrow_at(hour: int) -> dt.datetime:
    day = local_today() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=rules.local_tz())


@pytest.fixture
def free_slot(court):  # type: ignore[no-untyped-def]
    starts = tomorrow_at(10)
    return SlotFactory(resource=court, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
