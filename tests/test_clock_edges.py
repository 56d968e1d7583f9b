"""Tests that once failed late in the evening, run again a minute either side of midnight.

The whole suite can be run under any pinned clock (`make test-clock`, LUOHU_TEST_NOW in
tests/conftest.py); this module keeps the cheapest part of that in the regular run. The tests
imported below are collected here a second time, once per instant, with the clock moved there
(ticking) before any fixture builds its data: Sunday 23:59 is also the last minute of a week.
"""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.booking.test_free_slots import (  # noqa: F401  (collected here again)
    test_available_on_ignores_started_closed_and_full_slots,
)
from tests.frontend.test_pages import (  # noqa: F401  (collected here again)
    test_staff_page_lists_the_days_bookings_with_a_check_in_button,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
INSTANTS = {
    "sunday-23:59": dt.datetime(2026, 12, 6, 23, 59, tzinfo=SHANGHAI),
    "monday-00:01": dt.datetime(2026, 12, 7, 0, 1, tzinfo=SHANGHAI),
}


@pytest.fixture(autouse=True, params=list(INSTANTS.values()), ids=list(INSTANTS))
def pinned_now(request, time_machine) -> dt.datetime:  # type: ignore[no-untyped-def]
    time_machine.move_to(request.param, tick=True)
    return request.param


def test_the_pinned_clock_is_the_clock_of_every_thread(pinned_now):
    seen: list[dt.datetime] = []
    worker = threading.Thread(target=lambda: seen.append(timezone.now()))
    worker.start()
    worker.join()
    assert dt.timedelta(0) <= seen[0] - pinned_now < dt.timedelta(seconds=30)
    assert timezone.localdate(seen[0]) == pinned_now.date()
