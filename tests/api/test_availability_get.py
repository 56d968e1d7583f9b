import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from booking.slots import generate_slots
from tests.factories import (
    BookingPolicyFactory,
    OpeningRuleFactory,
    ResourceFactory,
    SlotFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2030, 1, 7)  # a Monday
SLOT_KEYS = {
    "id",
    "starts_at",
    "ends_at",
    "capacity",
    "remaining",
    "price",
    "public_benefit",
    "bookable",
    "reason",
    "opens_at",
    "closed_reason",
}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def url(venue_id: object) -> str:
    return f"/api/v1/venues/{venue_id}/availability/"


@pytest.fixture
def noon_venue(db):  # type: ignore[no-untyped-def]
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue, window_days=7, release_time=dt.time(12, 0))
    return venue


def test_shape_follows_the_contract(api_client, noon_venue):
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


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"days": "0"}, "days"),
        ({"days": "15"}, "days"),
        ({"days": "99"}, "days"),
        ({"days": "two"}, "days"),
        ({"date": "2030-02-30"}, "date"),
        ({"date": "07/01/2030"}, "date"),
        ({"date": "9999-12-31"}, "date"),
    ],
)
def test_bad_date_or_days_is_a_400(api_client, venue, params, field):
    response = api_client.get(url(venue.pk), params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"
    assert list(response.json()["fields"]) == [field]


@pytest.mark.parametrize("pk", ["999999", "abc"])
def test_unknown_venue_is_404(api_client, db, pk):
    response = api_client.get(url(pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("resources", [1, 20])
def test_availability_takes_three_queries_for_any_venue_size(
    api_client, resources, django_assert_num_queries
):
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue)
    for _ in range(resources):
        resource = ResourceFactory(venue=venue)
        for weekday in range(7):
            OpeningRuleFactory(
                resource=resource, weekday=weekday, opens_at=dt.time(6), closes_at=dt.time(22)
            )
    generate_slots(start=DAY, days=7, now=at(DAY, 0))
    with (
        time_machine.travel(at(DAY, 0), tick=False),
        django_assert_num_queries(3),
    ):
        response = api_client.get(url(venue.pk), {"date": DAY.isoformat(), "days": 7})
    slots = [s for r in response.json()["resources"] for s in r["slots"]]
    assert len(slots) == resources * 7 * 16
