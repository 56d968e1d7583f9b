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


@pytest.mark.parametrize(
    ("resource", "clients", "sold", "refusal"),
    [("court", 50, 1, "slot_taken"), ("gym", 100, 20, "slot_full")],
)
def test_a_rush_over_http_gets_a_201_per_place_and_the_rest_409(
    request, rush_server, resource, clients, sold, refusal
):
    """50 residents for a court: one 201, 49 slot_taken; 100 for a gym's 20 places: 20 201s,
    80 slot_full."""
    slot = SlotFactory(resource=request.getfixturevalue(resource))
    url = f"{rush_server}/api/v1/bookings/"
    outcomes = race(
        [poster(url, t, slot.pk) for t in tokens(clients, resource)],
        workers=MAX_CLIENTS,
        database=False,
    )
    assert statuses(outcomes) == {(201, None): sold, (409, refusal): clients - sold}
    slot.refresh_from_db()
    assert slot.remaining == 0
    assert Booking.objects.filter(slot=slot).count() == sold
    assert Booking.objects.active().filter(slot=slot).count() == sold


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
