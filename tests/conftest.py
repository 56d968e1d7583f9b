import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import BookingPolicyFactory, ResourceFactory, UserFactory, VenueFactory
from tests.stripe_server import localstripe, stripe_settings  # noqa: F401  (fixtures)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Concurrency and `postgres` tests need PostgreSQL; the SQLite run deselects them with `-m`,
    never skips them."""


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

    from api.throttling import forget_leases

    cache.clear()
    forget_leases()
