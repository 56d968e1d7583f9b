"""The rush through HTTP: a live threaded server (see conftest.rush_server), real HTTP clients,
Token auth, up to 50 requests at once."""

from collections import Counter

import pytest
import requests
from rest_framework.authtoken.models import Token

from booking.models import Booking
from tests.concurrency.helpers import race
from tests.factories import SlotFactory, UserFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

# The live server opens one database connection per request thread: stay well below 100.
MAX_CLIENTS = 50


def tokens(count: int, prefix: str) -> list[str]:
    return [
        Token.objects.create(user=UserFactory(username=f"{prefix}{n}")).key for n in range(count)
    ]


def poster(url: str, token: str, slot_id: int, key: str | None = None):  # type: ignore[no-untyped-def]
    # A fresh connection per request: the test server closes each one after its response.
    headers = {"Authorization": f"Token {token}", "Connection": "close"}
    if key:
        headers["Idempotency-Key"] = key

    def post() -> tuple[int, dict]:  # type: ignore[type-arg]
        response = requests.post(url, json={"slot": slot_id}, headers=headers, timeout=60)
        return response.status_code, response.json()

    return post


def statuses(outcomes) -> Counter:  # type: ignore[no-untyped-def,type-arg]
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    return Counter((status, body.get("code")) for status, body in outcomes)


def test_fifty_residents_over_http_one_201_and_the_rest_slot_taken(rush_server, court):
    slot = SlotFactory(resource=court)
    url = f"{rush_server}/api/v1/bookings/"
    outcomes = race(
        [poster(url, t, slot.pk) for t in tokens(50, "h")], workers=MAX_CLIENTS, database=False
    )
    assert statuses(outcomes) == {(201, None): 1, (409, "slot_taken"): 49}
    slot.refresh_from_db()
    assert slot.remaining == 0
    assert Booking.objects.filter(slot=slot).count() == 1


def test_hundred_attempts_over_http_on_twenty_places_give_twenty_201s(rush_server, gym):
    slot = SlotFactory(resource=gym)
    url = f"{rush_server}/api/v1/bookings/"
    outcomes = race(
        [poster(url, t, slot.pk) for t in tokens(100, "g")], workers=MAX_CLIENTS, database=False
    )
    assert statuses(outcomes) == {(201, None): 20, (409, "slot_full"): 80}
    slot.refresh_from_db()
    assert slot.remaining == 0
    assert Booking.objects.active().filter(slot=slot).count() == 20


def test_double_tap_over_http_with_one_key_makes_one_booking(rush_server, resident, court):
    slot = SlotFactory(resource=court)
    token = Token.objects.create(user=resident).key
    url = f"{rush_server}/api/v1/bookings/"
    outcomes = race(
        [poster(url, token, slot.pk, key="one-click-1") for _ in range(10)], database=False
    )
    counts = statuses(outcomes)
    assert counts[(201, None)] == 1
    assert counts[(201, None)] + counts[(200, None)] == 10
    assert len({body["id"] for _, body in outcomes}) == 1
    assert Booking.objects.count() == 1
