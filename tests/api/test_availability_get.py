import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.api.helpers import CONTRACT_SLOT_KEYS, DAY, assert_error, at, bad_values
from tests.booking.test_availability import build_venue
from tests.factories import (
    BookingPolicyFactory,
    ResourceFactory,
    SlotFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

SLOT_KEYS = CONTRACT_SLOT_KEYS | {
    "opens_at",
    "closed_reason",
    "allocation",  # "fcfs" or "ballot" (design.md, "Fair allocation")
    "ballot",
}


def url(venue_id: object) -> str:
    return f"/api/v1/venues/{venue_id}/availability/"


@pytest.fixture
def noon_venue(db):  # type: ignore[no-untyped-def]
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue, window_days=7, release_time=dt.time(12, 0))
    return venue


def test_shape_follows_the_contract(api_client, noon_venue, settings):
    settings.STRIPE_ENABLED = True  # a paid slot is bookable when it can be paid for online
    court = ResourceFactory(venue=noon_venue, name_zh="1号场", name_en="Court 1", capacity=4)
    start = at(DAY, 19)
    slot = SlotFactory(
        resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), price="60.00"
    )
    with time_machine.travel(at(DAY, 8), tick=False):
        response = api_client.get(url(noon_venue.pk), {"date": DAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "venue": noon_venue.pk,
        "date": "2030-01-07",
        "days": 1,
        "resources": [
            {
                "id": court.pk,
                "name": "1号场",
                "name_zh": "1号场",
                "name_en": "Court 1",
                "sport": None,
                "exclusive": True,
                "capacity": 4,
                "slots": [
                    {
                        "id": slot.pk,
                        "starts_at": "2030-01-07T19:00:00+08:00",
                        "ends_at": "2030-01-07T20:00:00+08:00",
                        "capacity": 4,
                        "remaining": 1,
                        "price": "60.00",
                        "public_benefit": False,
                        "bookable": True,
                        "reason": None,
                        "opens_at": None,
                        "closed_reason": "",
                        "allocation": "fcfs",
                        "ballot": None,
                    }
                ],
            }
        ],
    }


def test_every_reason_is_reported(api_client, noon_venue):
    court = ResourceFactory(venue=noon_venue)
    week_later = DAY + dt.timedelta(days=7)

    def make(start, **kwargs):  # type: ignore[no-untyped-def]
        return SlotFactory(
            resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), **kwargs
        )

    past = make(at(DAY, 8))
    full = make(at(DAY, 10), remaining=0)
    closed = make(at(DAY, 11), is_closed=True, closed_reason="维护 Maintenance")
    free = make(at(DAY, 12), price=Decimal("0.00"))
    not_open = make(at(week_later + dt.timedelta(days=1), 9))
    with time_machine.travel(at(DAY, 9, 30), tick=False):
        body = api_client.get(url(noon_venue.pk), {"date": DAY.isoformat(), "days": 9}).json()
    slots = {s["id"]: s for s in body["resources"][0]["slots"]}
    assert {k: s["reason"] for k, s in slots.items()} == {
        past.pk: "past",
        full.pk: "full",
        closed.pk: "closed",
        free.pk: None,
        not_open.pk: "window_not_open",
    }
    assert slots[not_open.pk]["opens_at"] == "2030-01-08T12:00:00+08:00"
    assert slots[free.pk]["price"] == "0.00"
    assert slots[closed.pk]["closed_reason"] == "维护 Maintenance"
    assert [s["bookable"] for s in slots.values()] == [False, False, False, True, False]
    assert all(set(s) == SLOT_KEYS for s in slots.values())


def test_date_defaults_to_today_in_shanghai(api_client, noon_venue):
    # 17:30 UTC on the 6th is 01:30 on the 7th in Shanghai.
    with time_machine.travel(dt.datetime(2030, 1, 6, 17, 30, tzinfo=dt.UTC), tick=False):
        body = api_client.get(url(noon_venue.pk)).json()
    assert (body["date"], body["days"]) == ("2030-01-07", 1)


def test_days_widens_the_range(api_client, court, venue):
    for offset in range(3):
        start = at(DAY + dt.timedelta(days=offset), 9)
        SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with time_machine.travel(at(DAY, 0), tick=False):
        body = api_client.get(url(venue.pk), {"date": DAY.isoformat(), "days": 2}).json()
    assert len(body["resources"][0]["slots"]) == 2


BAD_DATE_OR_DAYS = {
    "days": ["0", "15", "99", "two"],
    "date": ["2030-02-30", "07/01/2030", "9999-12-31"],
}


@pytest.mark.parametrize(("field", "value"), bad_values(BAD_DATE_OR_DAYS))
def test_bad_date_or_days_is_a_400(api_client, venue, field, value):
    response = api_client.get(url(venue.pk), {field: value})
    assert_error(response, 400, "invalid_filter", fields=[field])


@pytest.mark.parametrize("pk", ["999999", "abc"])
def test_unknown_venue_is_404(api_client, db, pk):
    response = api_client.get(url(pk))
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("resources", [1, 20])
def test_availability_takes_three_queries_for_any_venue_size(
    api_client, resources, django_assert_num_queries
):
    venue_id = build_venue(resources)  # open 6:00-22:00 every day, slots generated for DAY
    with (
        time_machine.travel(at(DAY, 0), tick=False),
        django_assert_num_queries(3),
    ):
        response = api_client.get(url(venue_id), {"date": DAY.isoformat(), "days": 7})
    slots = [s for r in response.json()["resources"] for s in r["slots"]]
    assert len(slots) == resources * 7 * 16


def test_paid_slot_is_bookable_only_while_a_payment_provider_is_configured(
    api_client, resident_client, noon_venue, settings
):
    """What availability says is what booking answers: a paid slot without Stripe is refused
    with 422 `payment_unavailable`, so availability gives that reason, not `bookable: true`."""
    settings.STRIPE_ENABLED = False
    court = ResourceFactory(venue=noon_venue)

    def make(start, **kwargs):  # type: ignore[no-untyped-def]
        return SlotFactory(
            resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), **kwargs
        )

    paid = make(at(DAY, 19), price=Decimal("40.00"))
    free = make(at(DAY, 20), price=Decimal("0.00"))
    paid_closed = make(at(DAY, 21), price=Decimal("40.00"), is_closed=True)
    paid_past = make(at(DAY, 8), price=Decimal("40.00"))
    # Not open yet, but never bookable online either: the lasting reason comes first.
    paid_later = make(at(DAY + dt.timedelta(days=8), 9), price=Decimal("40.00"))
    with time_machine.travel(at(DAY, 12, 30), tick=False):
        body = api_client.get(url(noon_venue.pk), {"date": DAY.isoformat(), "days": 9}).json()
        booked = resident_client.post("/api/v1/bookings/", {"slot": paid.pk}, format="json")
    slots = {s["id"]: s for s in body["resources"][0]["slots"]}
    assert (slots[paid.pk]["bookable"], slots[paid.pk]["reason"]) == (
        False,
        "payment_unavailable",
    )
    assert slots[paid.pk]["price"] == "40.00"
    assert (slots[free.pk]["bookable"], slots[free.pk]["reason"]) == (True, None)
    assert slots[paid_closed.pk]["reason"] == "closed"
    assert slots[paid_past.pk]["reason"] == "past"
    assert (slots[paid_later.pk]["reason"], slots[paid_later.pk]["opens_at"]) == (
        "payment_unavailable",
        None,
    )
    assert_error(booked, 422, "payment_unavailable")

    # With a payment provider configured the same slots are bookable (and booking holds them).
    settings.STRIPE_ENABLED = True
    with time_machine.travel(at(DAY, 12, 30), tick=False):
        body = api_client.get(url(noon_venue.pk), {"date": DAY.isoformat(), "days": 9}).json()
    slots = {s["id"]: s for s in body["resources"][0]["slots"]}
    assert (slots[paid.pk]["bookable"], slots[paid.pk]["reason"]) == (True, None)
    assert (slots[free.pk]["bookable"], slots[free.pk]["reason"]) == (True, None)
    assert slots[paid_later.pk]["reason"] == "window_not_open"


def test_the_kept_grid_and_the_slot_list_say_the_same_about_payment(
    api_client, noon_venue, settings
):
    """The rendered grid kept per process (AVAILABILITY_CACHE_MS) and GET /api/v1/slots/ give
    the same answer as a freshly built availability."""
    from api.views import venues as venue_views

    settings.STRIPE_ENABLED = False
    settings.AVAILABILITY_CACHE_MS = 60_000
    venue_views._rendered_availability.clear()
    court = ResourceFactory(venue=noon_venue)
    start = at(DAY, 19)
    paid = SlotFactory(
        resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), price="40.00"
    )
    try:
        with time_machine.travel(at(DAY, 12, 30), tick=False):
            first = api_client.get(url(noon_venue.pk), {"date": DAY.isoformat()})
            kept = api_client.get(url(noon_venue.pk), {"date": DAY.isoformat()})
            listed = api_client.get("/api/v1/slots/", {"venue": noon_venue.pk}).json()
            one = api_client.get(f"/api/v1/slots/{paid.pk}/").json()
    finally:
        venue_views._rendered_availability.clear()
    assert first.content == kept.content
    slot = kept.json()["resources"][0]["slots"][0]
    assert (slot["bookable"], slot["reason"]) == (False, "payment_unavailable")
    results = listed["results"] if isinstance(listed, dict) else listed
    assert [(s["id"], s["bookable"], s["reason"]) for s in results] == [
        (paid.pk, False, "payment_unavailable")
    ]
    assert (one["bookable"], one["reason"]) == (False, "payment_unavailable")
