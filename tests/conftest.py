import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import BookingPolicyFactory, ResourceFactory, UserFactory, VenueFactory
from tests.stripe_server import localstripe, stripe_settings  # noqa: F401  (fixtures)

# A pinned clock: LUOHU_TEST_NOW="2026-12-06T23:59:30+08:00" pytest ... (`make test-clock`).
# The run starts at that instant before collection (module-level times move too), and every test
# starts at it again, the clock ticking on from there. time-machine patches the clock
# process-wide, so threads (the live server's included) see it. Other processes keep their own
# clock: the localstripe subprocess starts at the instant too (LUOHU_TEST_CLOCK_OFFSET,
# tests/stripe_server.py), so it is never behind; a test that starts a server of its own asks
# for `real_clock`; Chromium, Celery workers and database servers cannot follow, so e2e and
# concurrency tests refuse to run under a pinned clock.
TEST_NOW_ENV = "LUOHU_TEST_NOW"
CLOCK_OFFSET_ENV = "LUOHU_TEST_CLOCK_OFFSET"
_pinned_clock: list[tuple[time_machine.travel, time_machine.Traveller, dt.datetime]] = []


def pytest_configure(config):  # type: ignore[no-untyped-def]
    value = os.environ.get(TEST_NOW_ENV)
    if not value:
        return
    try:
        now = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise pytest.UsageError(f"{TEST_NOW_ENV}={value!r}: {exc}") from exc
    if now.tzinfo is None:
        raise pytest.UsageError(f"{TEST_NOW_ENV}={value!r} needs a UTC offset, e.g. +08:00")
    os.environ[CLOCK_OFFSET_ENV] = repr(now.timestamp() - time.time())
    travel = time_machine.travel(now, tick=True)
    _pinned_clock.append((travel, travel.start(), now))


def pytest_unconfigure(config):  # type: ignore[no-untyped-def]
    while _pinned_clock:
        _pinned_clock.pop()[0].stop()
        os.environ.pop(CLOCK_OFFSET_ENV, None)


@pytest.fixture(autouse=True)
def _each_test_starts_at_the_pinned_clock() -> None:
    if _pinned_clock:
        _, traveller, now = _pinned_clock[0]
        traveller.move_to(now)


@pytest.fixture
def real_clock() -> Iterator[None]:
    """For a test that starts a process of its own which keeps the real time (a server it signs
    with): under a pinned clock it runs at the real time instead, which must not matter to it."""
    if not _pinned_clock:
        yield
        return
    with time_machine.travel(time_machine.escape_hatch.time.time(), tick=True):
        yield


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    if _pinned_clock:
        return f"clock pinned: {TEST_NOW_ENV}={os.environ[TEST_NOW_ENV]} (ticking)"
    return None


@pytest.hookimpl(trylast=True)  # after `-m` has deselected
def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Concurrency and `postgres` tests need PostgreSQL; the SQLite run deselects them with `-m`,
    never skips them. Under a pinned clock, tests whose other processes keep the real time (e2e,
    concurrency) are refused rather than left to fail for that reason."""
    if _pinned_clock:
        real_clock = [
            i.nodeid
            for i in items
            if i.get_closest_marker("e2e") or i.get_closest_marker("concurrency")
        ]
        if real_clock:
            raise pytest.UsageError(
                f"{TEST_NOW_ENV} moves only this process's clock; deselect the e2e and "
                f'concurrency tests (-m "not e2e and not concurrency"): {real_clock[0]} ...'
            )


@pytest.fixture
def resident(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="alice")


@pytest.fixture
def other_resident(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="bob")


@pytest.fixture
def venue(db):  # type: ignore[no-untyped-def]
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue)
    return venue


@pytest.fixture
def court(venue):  # type: ignore[no-untyped-def]
    return ResourceFactory(venue=venue, exclusive=True, capacity=4)


@pytest.fixture
def gym(db):  # type: ignore[no-untyped-def]
    from venues.models import Venue

    venue = VenueFactory(kind=Venue.Kind.SMART_GYM, name_zh="智能健身房", name_en="Smart gym")
    BookingPolicyFactory(venue=venue, max_bookings_per_day=5, max_hours_per_day=5)
    return ResourceFactory(
        venue=venue, exclusive=False, capacity=20, name_zh="健身区", name_en="Gym floor"
    )


@pytest.fixture
def staff_user(venue):  # type: ignore[no-untyped-def]
    user = UserFactory(username="staff")
    venue.staff.add(user)
    return user


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    return APIClient()


@pytest.fixture
def resident_client(resident):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(resident)
    return client


@pytest.fixture
def is_postgres(db) -> bool:  # type: ignore[no-untyped-def]
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Every test starts with an empty cache, so throttle counters never leak between tests."""
    from django.core.cache import cache

    from api.fastpath.throttle import forget_leases

    cache.clear()
    forget_leases()
