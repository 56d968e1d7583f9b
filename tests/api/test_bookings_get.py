"""GET /api/v1/bookings/ and /api/v1/bookings/{id}/: own bookings; staff see their venue's."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Booking
from tests.api.helpers import assert_error, client_for, slot_starting_in
from tests.factories import BookingFactory, ResourceFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"


def booking_at(resident, resource, starts_in: dt.timedelta, **kwargs) -> Booking:  # type: ignore[no-untyped-def]
    return BookingFactory(slot=slot_starting_in(resource, starts_in), resident=resident, **kwargs)


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.json()
    return [b["id"] for b in response.json()["results"]]


def test_resident_lists_only_their_own_bookings(resident, other_resident, court):
    mine = booking_at(resident, court, dt.timedelta(days=1))
    booking_at(other_resident, court, dt.timedelta(days=2))
    response = client_for(resident).get(URL)
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert ids(response) == [mine.pk]


def test_list_is_paginated_with_page_size(resident, court):
    for day in range(1, 6):
        booking_at(resident, court, dt.timedelta(days=day))
    response = client_for(resident).get(URL, {"page_size": 2})
    assert response.json()["count"] == 5
    assert len(response.json()["results"]) == 2
    assert response.json()["next"].endswith("page=2&page_size=2")


def test_status_filter_narrows_the_list(resident, court):
    confirmed = booking_at(resident, court, dt.timedelta(days=1))
    booking_at(resident, court, dt.timedelta(days=2), status=Booking.Status.CANCELLED)
    assert ids(client_for(resident).get(URL, {"status": "confirmed"})) == [confirmed.pk]


def test_upcoming_lists_soonest_first_and_past_latest_first(resident, court):
    later = booking_at(resident, court, dt.timedelta(days=3))
    sooner = booking_at(resident, court, dt.timedelta(days=1))
    old = booking_at(resident, court, -dt.timedelta(days=3))
    older = booking_at(resident, court, -dt.timedelta(days=5))
    client = client_for(resident)
    assert ids(client.get(URL, {"when": "upcoming"})) == [sooner.pk, later.pk]
    assert ids(client.get(URL, {"when": "past"})) == [old.pk, older.pk]
    assert ids(client.get(URL)) == [later.pk, sooner.pk, old.pk, older.pk]


@pytest.mark.parametrize(
    "params", [{"status": "bogus"}, {"when": "tomorrow"}, {"venue": "abc"}, {"venue": "999999"}]
)
def test_unknown_filter_value_is_400_not_an_empty_list(resident, params):
    response = client_for(resident).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == set(params)


def test_staff_list_their_venues_bookings_with_venue_filter(
    resident, other_resident, staff_user, court
):
    a = booking_at(resident, court, dt.timedelta(days=1))
    b = booking_at(other_resident, court, dt.timedelta(days=2))
    booking_at(resident, ResourceFactory(), dt.timedelta(days=1))  # another venue
    response = client_for(staff_user).get(URL, {"venue": court.venue_id, "when": "upcoming"})
    assert ids(response) == [a.pk, b.pk]


def test_staff_without_venue_filter_see_only_their_own_bookings(resident, staff_user, court):
    booking_at(resident, court, dt.timedelta(days=1))
    assert ids(client_for(staff_user).get(URL)) == []


def test_resident_asking_for_a_venue_sees_only_their_own_bookings_there(
    resident, other_resident, court
):
    mine = booking_at(resident, court, dt.timedelta(days=1))
    booking_at(other_resident, court, dt.timedelta(days=2))
    assert ids(client_for(resident).get(URL, {"venue": court.venue_id})) == [mine.pk]


def test_staff_of_another_venue_see_nothing_of_this_one(resident, court):
    stranger = UserFactory(username="stranger-staff")
    VenueFactory().staff.add(stranger)
    booking_at(resident, court, dt.timedelta(days=1))
    assert ids(client_for(stranger).get(URL, {"venue": court.venue_id})) == []


def test_list_costs_the_same_queries_for_one_or_twenty_bookings(resident, court):
    client = client_for(resident)
    booking_at(resident, court, dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for day in range(2, 21):
        booking_at(resident, court, dt.timedelta(days=day))
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(URL)
    assert response.json()["count"] == 20
    assert len(twenty) == len(one) == 2  # count + page, with resource, venue and policy joined


def test_anonymous_list_is_401(api_client):
    response = api_client.get(URL)
    assert_error(response, 401, "not_authenticated")


# --- detail ---------------------------------------------------------------------------------------


def test_resident_reads_their_booking(resident, court):
    booking = booking_at(resident, court, dt.timedelta(days=1))
    response = client_for(resident).get(f"{URL}{booking.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == booking.pk
    assert response.json()["status"] == "confirmed"


def test_other_residents_booking_is_404(resident, other_resident, court):
    booking = booking_at(other_resident, court, dt.timedelta(days=1))
    response = client_for(resident).get(f"{URL}{booking.pk}/")
    assert_error(response, 404, "booking_not_found")


def test_venue_staff_read_a_booking_of_their_venue(resident, staff_user, court):
    booking = booking_at(resident, court, dt.timedelta(days=1))
    assert client_for(staff_user).get(f"{URL}{booking.pk}/").status_code == 200


def test_district_admin_reads_any_booking(resident, court):
    admin = UserFactory(username="district-admin", is_staff=True)
    booking = booking_at(resident, court, dt.timedelta(days=1))
    assert client_for(admin).get(f"{URL}{booking.pk}/").status_code == 200


@pytest.mark.parametrize("pk", ["999999", "abc", "0", "-1", "1.5", "9" * 30, "١٢"])
def test_unknown_or_malformed_booking_id_is_404_with_a_code(resident, pk):
    response = client_for(resident).get(f"{URL}{pk}/")
    assert_error(response, 404, "booking_not_found")
