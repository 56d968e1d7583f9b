import datetime as dt

import pytest
import time_machine

from api.serializers.slots import SlotSerializer
from tests.api.helpers import DAY, assert_error, at, bad_values
from tests.factories import (
    BookingPolicyFactory,
    ResourceFactory,
    SlotFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/slots/"


def make(resource, start, **kwargs):  # type: ignore[no-untyped-def]
    return SlotFactory(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=1), **kwargs
    )


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.json()
    return [s["id"] for s in response.json()["results"]]


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(at(DAY, 8), tick=False):
        yield


@pytest.fixture
def slots(court, venue):  # type: ignore[no-untyped-def]
    other_venue = VenueFactory()
    BookingPolicyFactory(venue=other_venue)
    return {
        "free": make(court, at(DAY, 9)),
        "full": make(court, at(DAY, 10), remaining=0),
        "closed": make(court, at(DAY, 11), is_closed=True),
        "tomorrow": make(court, at(DAY + dt.timedelta(days=1), 9)),
        "elsewhere": make(ResourceFactory(venue=other_venue), at(DAY, 9)),
        "ended": make(court, at(DAY, 6)),
    }


def test_list_is_public_paginated_and_shaped_like_availability(api_client, slots, frozen):
    response = api_client.get(LIST, {"venue": slots["free"].venue_id, "date": DAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    first = body["results"][1]  # 06:00 ended slot comes first
    assert first["id"] == slots["free"].pk
    assert first["venue"] == slots["free"].venue_id
    assert first["resource"] == slots["free"].resource_id
    assert first["starts_at"] == "2030-01-07T09:00:00+08:00"
    assert (first["bookable"], first["reason"], first["remaining"]) == (True, None, 1)
    assert set(first) == set(SlotSerializer().fields)


def test_without_date_only_slots_not_ended_are_listed(api_client, slots, frozen):
    assert slots["ended"].pk not in ids(api_client.get(LIST))
    assert len(ids(api_client.get(LIST))) == 5


def test_filters_combine(api_client, slots, frozen):
    court = slots["free"].resource
    assert ids(api_client.get(LIST, {"resource": court.pk, "date": DAY.isoformat()})) == [
        slots["ended"].pk,
        slots["free"].pk,
        slots["full"].pk,
        slots["closed"].pk,
    ]
    assert ids(api_client.get(LIST, {"venue": court.venue_id, "available": "true"})) == [
        slots["free"].pk,
        slots["tomorrow"].pk,
    ]
    assert ids(
        api_client.get(LIST, {"resource": court.pk, "date": DAY.isoformat(), "available": "0"})
    ) == [slots["ended"].pk, slots["full"].pk, slots["closed"].pk]


def test_reasons_are_given(api_client, slots, frozen):
    results = api_client.get(LIST, {"date": DAY.isoformat(), "resource": slots["free"].resource_id})
    reasons = {s["id"]: s["reason"] for s in results.json()["results"]}
    assert reasons == {
        slots["ended"].pk: "past",
        slots["free"].pk: None,
        slots["full"].pk: "full",
        slots["closed"].pk: "closed",
    }


BAD_FILTERS = {
    "venue": ["abc", "999999"],
    "resource": ["-1"],
    "date": ["2030-01-32", "0001-01-01"],
    "available": ["maybe"],
}


@pytest.mark.parametrize(("field", "value"), bad_values(BAD_FILTERS))
def test_bad_filter_values_are_a_400(api_client, slots, field, value):
    response = api_client.get(LIST, {field: value})
    assert_error(response, 400, "invalid_filter", fields=[field])


def test_detail_and_unknown_slot(api_client, slots, frozen):
    response = api_client.get(f"{LIST}{slots['full'].pk}/")
    assert response.status_code == 200
    assert response.json()["reason"] == "full"
    for pk in ("999999", "abc"):
        missing = api_client.get(f"{LIST}{pk}/")
        assert_error(missing, 404, "slot_not_found")


@pytest.mark.parametrize("count", [3, 60])
def test_list_takes_the_same_queries_for_any_number_of_slots(
    api_client, venue, court, count, django_assert_num_queries
):
    for i in range(count):
        make(court, at(DAY, 0) + dt.timedelta(hours=i))
    with time_machine.travel(at(DAY, 0) - dt.timedelta(hours=1), tick=False):
        with django_assert_num_queries(2):  # count, page
            response = api_client.get(LIST, {"page_size": 100})
        assert response.json()["count"] == count
        with django_assert_num_queries(3):  # + venue exists
            api_client.get(LIST, {"venue": venue.pk, "page_size": 100})
