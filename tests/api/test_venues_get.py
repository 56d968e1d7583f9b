import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from booking.rules import local_date
from tests.api.helpers import assert_error, bad_values
from tests.factories import (
    BookingPolicyFactory,
    OpeningRuleFactory,
    ResourceFactory,
    SlotFactory,
    SportFactory,
    VenueFactory,
)
from venues.models import Venue

pytestmark = pytest.mark.django_db

LIST = "/api/v1/venues/"


def detail(pk: object) -> str:
    return f"/api/v1/venues/{pk}/"


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [v["id"] for v in response.json()["results"]]


@pytest.fixture
def badminton(db):  # type: ignore[no-untyped-def]
    return SportFactory(code="badminton", name_zh="羽毛球", name_en="Badminton")


@pytest.fixture
def centre(badminton):  # type: ignore[no-untyped-def]
    venue = VenueFactory(
        name_zh="罗湖体育中心",
        name_en="Luohu Sports Centre",
        street="黄贝街道",
        address_zh="罗湖区沿河北路",
        address_en="Yanhe North Road, Luohu",
        latitude=Decimal("22.548100"),
        longitude=Decimal("114.136700"),
        amenities=["showers", "parking"],
    )
    venue.sports.add(badminton)
    BookingPolicyFactory(venue=venue)
    return venue


@pytest.fixture
def gym_venue(db):  # type: ignore[no-untyped-def]
    return VenueFactory(
        kind=Venue.Kind.SMART_GYM,
        name_zh="东湖公园智能健身房",
        name_en="Donghu Park Smart Gym",
        street="东湖街道",
        district="罗湖区",
    )


def test_list_is_public_and_paginated(api_client, centre, gym_venue):
    response = api_client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    first = body["results"][0]
    assert first["id"] == centre.pk
    assert first["name_zh"] == "罗湖体育中心"
    assert first["kind"] == "sports_centre"
    assert first["latitude"] == pytest.approx(22.5481)
    assert first["sports"] == [
        {"code": "badminton", "name": "羽毛球", "name_zh": "羽毛球", "name_en": "Badminton"}
    ]
    assert first["amenities"] == ["showers", "parking"]


def test_page_size_is_honoured_up_to_one_hundred(api_client, db):
    for _ in range(3):
        VenueFactory()
    response = api_client.get(LIST, {"page_size": 2})
    assert len(response.json()["results"]) == 2
    assert response.json()["next"]


def test_inactive_venues_are_not_listed(api_client, centre):
    VenueFactory(is_active=False)
    assert ids(api_client.get(LIST)) == [centre.pk]


def test_names_follow_the_requested_language(api_client, centre):
    english = api_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    chinese = api_client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]
    assert (english["name"], english["address"]) == (
        "Luohu Sports Centre",
        "Yanhe North Road, Luohu",
    )
    assert (chinese["name"], chinese["address"]) == ("罗湖体育中心", "罗湖区沿河北路")
    assert english["sports"][0]["name"] == "Badminton"


def test_kind_filter(api_client, centre, gym_venue):
    assert ids(api_client.get(LIST, {"kind": "smart_gym"})) == [gym_venue.pk]


def test_sport_filter_uses_the_sport_code(api_client, centre, gym_venue):
    SportFactory(code="tennis", name_zh="网球", name_en="Tennis")
    assert ids(api_client.get(LIST, {"sport": "badminton"})) == [centre.pk]
    assert ids(api_client.get(LIST, {"sport": "tennis"})) == []


def test_district_filter(api_client, centre):
    other = VenueFactory(district="福田区")
    assert ids(api_client.get(LIST, {"district": "福田区"})) == [other.pk]
    assert ids(api_client.get(LIST, {"district": "罗湖区"})) == [centre.pk]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("体育中心", "centre"),
        ("sports centre", "centre"),
        ("沿河北路", "centre"),
        ("yanhe north", "centre"),
        ("东湖街道", "gym"),
        ("smart gym", "gym"),
    ],
)
def test_q_searches_names_addresses_and_street(api_client, centre, gym_venue, q, expected):
    venue = centre if expected == "centre" else gym_venue
    assert ids(api_client.get(LIST, {"q": q})) == [venue.pk]


def test_available_on_keeps_venues_with_a_free_place_that_day(api_client, centre, gym_venue):
    court = ResourceFactory(venue=centre)
    gym_floor = ResourceFactory(venue=gym_venue, exclusive=False, capacity=20)
    free = SlotFactory(resource=court)
    SlotFactory(resource=gym_floor, starts_at=free.starts_at, remaining=0)  # full
    day = local_date(free.starts_at).isoformat()
    assert ids(api_client.get(LIST, {"available_on": day})) == [centre.pk]
    later = (local_date(free.starts_at) + dt.timedelta(days=1)).isoformat()
    assert ids(api_client.get(LIST, {"available_on": later})) == []


BAD_FILTERS = {
    "kind": ["spaceship"],
    "sport": ["quidditch"],
    "district": ["火星区"],
    "available_on": ["2024-13-01", "tomorrow", "1900-01-01"],
    "q": ["x" * 101],
}


@pytest.mark.parametrize(("field", "value"), bad_values(BAD_FILTERS))
def test_bad_filter_values_are_a_400_naming_the_field(api_client, centre, field, value):
    response = api_client.get(LIST, {field: value})
    assert_error(response, 400, "invalid_filter", fields=[field])


def build(venues: int) -> None:
    sport = SportFactory()
    other = SportFactory(code="tennis", name_zh="网球", name_en="Tennis")
    for _ in range(venues):
        venue = VenueFactory()
        venue.sports.add(sport, other)
        BookingPolicyFactory(venue=venue)
        SlotFactory(resource=ResourceFactory(venue=venue))


@pytest.mark.parametrize("venues", [2, 25])
def test_list_takes_three_queries_whatever_the_size(api_client, venues, django_assert_num_queries):
    build(venues)
    with django_assert_num_queries(3):  # count, page, sports
        response = api_client.get(LIST, {"page_size": 100})
    assert response.json()["count"] == venues


@pytest.mark.parametrize("venues", [2, 25])
def test_filtered_list_adds_only_the_filter_checks(api_client, venues, django_assert_num_queries):
    build(venues)
    tomorrow = (local_date(timezone.now()) + dt.timedelta(days=1)).isoformat()
    params = {"sport": "badminton", "district": "罗湖区", "available_on": tomorrow, "q": "罗湖"}
    # sport exists, district exists, count, page, sports
    with django_assert_num_queries(5):
        response = api_client.get(LIST, {**params, "page_size": 100})
    assert response.status_code == 200


def test_detail_has_resources_policy_sports_and_hours(api_client, centre, badminton):
    court = ResourceFactory(
        venue=centre, name_zh="1号场", name_en="Court 1", sport=badminton, capacity=4
    )
    ResourceFactory(venue=centre, is_active=False)
    OpeningRuleFactory(
        resource=court,
        weekday=0,
        opens_at=dt.time(7),
        closes_at=dt.time(9),
        public_benefit=True,
    )
    OpeningRuleFactory(
        resource=court,
        weekday=0,
        opens_at=dt.time(9),
        closes_at=dt.time(22),
        price=Decimal("60.00"),
    )
    response = api_client.get(detail(centre.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Luohu Sports Centre"
    assert body["name_zh"] == "罗湖体育中心"
    assert body["resources"] == [
        {
            "id": court.pk,
            "name": "Court 1",
            "name_zh": "1号场",
            "name_en": "Court 1",
            "sport": "badminton",
            "exclusive": True,
            "capacity": 4,
        }
    ]
    assert body["policy"]["window_days"] == 7
    assert body["policy"]["cancel_deadline_hours"] == 2
    assert body["opening_hours"] == [
        {"weekday": 0, "opens_at": "07:00:00", "closes_at": "22:00:00"}
    ]
    assert body["public_benefit_hours"] == [
        {"weekday": 0, "opens_at": "07:00:00", "closes_at": "09:00:00"}
    ]
    assert body["price_range"] == {"min": "0.00", "max": "60.00"}
    assert body["longitude"] == pytest.approx(114.1367)


def test_detail_of_venue_without_policy_or_rules(api_client, db):
    venue = VenueFactory()
    body = api_client.get(detail(venue.pk)).json()
    assert body["policy"] is None
    assert body["resources"] == []
    assert body["price_range"] == {"min": None, "max": None}


@pytest.mark.parametrize("pk", ["999999", "abc", "1.5", "9" * 30])
def test_unknown_venue_is_404_not_found(api_client, db, pk):
    response = api_client.get(detail(pk))
    assert_error(response, 404, "not_found")


def test_inactive_venue_is_404(api_client, db):
    venue = VenueFactory(is_active=False)
    assert api_client.get(detail(venue.pk)).status_code == 404


@pytest.mark.parametrize("resources", [1, 20])
def test_detail_takes_five_queries_whatever_the_size(
    api_client, centre, resources, django_assert_num_queries
):
    for _ in range(resources):
        resource = ResourceFactory(venue=centre, sport=SportFactory())
        for weekday in range(7):
            OpeningRuleFactory(resource=resource, weekday=weekday)
    # venue+policy, sports, resources+sport, hours per weekday, public-benefit hours
    with django_assert_num_queries(5):
        response = api_client.get(detail(centre.pk))
    assert len(response.json()["resources"]) == resources
