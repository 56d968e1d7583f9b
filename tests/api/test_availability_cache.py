"""The rendered availability grid kept per process (api/caching.py, AVAILABILITY_CACHE_MS)."""

import datetime as dt

import pytest
import time_machine

from api.caching import RenderedCache
from api.views import venues as venue_views
from booking.models import Slot
from tests.api.helpers import DAY, at
from tests.factories import BookingPolicyFactory, ResourceFactory, SlotFactory, VenueFactory


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def grid(db, settings):  # type: ignore[no-untyped-def]
    settings.AVAILABILITY_CACHE_MS = 60_000
    venue_views._rendered_availability.clear()
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue, window_days=7, release_time=dt.time(0))
    court = ResourceFactory(venue=venue, name_zh="1号场", name_en="Court 1")
    start = at(DAY, 19)
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    yield venue, slot
    venue_views._rendered_availability.clear()


def get(api_client, venue, **headers):  # type: ignore[no-untyped-def]
    with time_machine.travel(at(DAY, 8), tick=False):
        return api_client.get(
            f"/api/v1/venues/{venue.pk}/availability/", {"date": DAY.isoformat()}, **headers
        )


def test_a_repeat_within_the_ttl_is_served_without_a_query(
    api_client, grid, django_assert_num_queries
):
    venue, _ = grid
    first = get(api_client, venue)

    with django_assert_num_queries(0):
        second = get(api_client, venue)

    assert second.status_code == 200
    assert second["Content-Type"] == "application/json"
    assert second.content == first.content
    assert second.json()["resources"][0]["slots"][0]["remaining"] == 1


def test_a_kept_grid_shows_a_booking_only_after_it_expires(api_client, grid):
    venue, slot = grid
    get(api_client, venue)
    Slot.objects.filter(pk=slot.pk).update(remaining=0)

    stale = get(api_client, venue)
    venue_views._rendered_availability.clear()  # as if the TTL had passed
    fresh = get(api_client, venue)

    assert stale.json()["resources"][0]["slots"][0]["remaining"] == 1
    assert fresh.json()["resources"][0]["slots"][0]["remaining"] == 0
    assert fresh.json()["resources"][0]["slots"][0]["reason"] == "full"


def test_each_language_has_its_own_grid(api_client, grid):
    venue, _ = grid

    chinese = get(api_client, venue, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = get(api_client, venue, HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.json()["resources"][0]["name"] == "1号场"
    assert english.json()["resources"][0]["name"] == "Court 1"


def test_zero_keeps_nothing(api_client, grid, settings):
    venue, slot = grid
    settings.AVAILABILITY_CACHE_MS = 0
    get(api_client, venue)
    Slot.objects.filter(pk=slot.pk).update(remaining=0)

    assert get(api_client, venue).json()["resources"][0]["slots"][0]["remaining"] == 0


def test_errors_are_never_kept(api_client, db, settings):
    settings.AVAILABILITY_CACHE_MS = 60_000
    venue_views._rendered_availability.clear()

    assert api_client.get("/api/v1/venues/999999/availability/").status_code == 404
    assert api_client.get("/api/v1/venues/999999/availability/").status_code == 404
    assert api_client.get("/api/v1/venues/1/availability/?days=99").status_code == 400


def test_bodies_expire_after_their_ttl():
    clock = FakeClock()
    cache = RenderedCache(clock=clock)
    cache.put("grid", b"{}", ttl=1.0)

    assert cache.get("grid") == b"{}"
    clock.now += 1.0
    assert cache.get("grid") is None


def test_the_oldest_bodies_go_first_when_the_budget_is_spent():
    cache = RenderedCache(max_bytes=10, clock=FakeClock())
    cache.put("a", b"12345", ttl=5)
    cache.put("b", b"12345", ttl=5)
    cache.put("c", b"123", ttl=5)

    assert cache.get("a") is None
    assert cache.get("b") == b"12345"
    assert cache.get("c") == b"123"


def test_a_zero_ttl_or_an_oversized_body_is_not_kept():
    cache = RenderedCache(max_bytes=4, clock=FakeClock())
    cache.put("zero", b"1", ttl=0)
    cache.put("big", b"12345", ttl=5)

    assert cache.get("zero") is None
    assert cache.get("big") is None
