"""POST /api/v1/bookings/{id}/no-show/ (venue staff) and GET of an unknown /api/ path."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from booking import services
from booking.models import Booking, Strike
from tests.api.helpers import assert_error, client_for
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/{}/no-show/"


def started_booking(resident, court) -> Booking:  # type: ignore[no-untyped-def]
    slot = SlotFactory(resource=court)
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    return booking


def test_staff_mark_a_started_booking_as_no_show_with_a_strike(resident, staff_user, court):
    booking = started_booking(resident, court)
    with time_machine.travel(booking.starts_at + dt.timedelta(minutes=20), tick=False):
        response = client_for(staff_user).post(URL.format(booking.pk))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "no_show"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert Strike.objects.filter(booking=booking, kind=Strike.Kind.NO_SHOW).count() == 1


def test_no_show_before_the_slot_starts_is_refused(resident, staff_user, court):
    booking = started_booking(resident, court)
    response = client_for(staff_user).post(URL.format(booking.pk))
    assert_error(response, 409, "not_no_showable")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not Strike.objects.exists()


def test_a_cancelled_booking_cannot_become_a_no_show(resident, staff_user, court):
    booking = BookingFactory(resident=resident, slot=SlotFactory(resource=court))
    booking.status = Booking.Status.CANCELLED
    booking.save()
    with time_machine.travel(booking.starts_at + dt.timedelta(minutes=20), tick=False):
        response = client_for(staff_user).post(URL.format(booking.pk))
    assert_error(response, 409, "not_no_showable")


def test_residents_cannot_mark_no_shows(resident, other_resident, court):
    booking = started_booking(resident, court)
    with time_machine.travel(booking.starts_at + dt.timedelta(minutes=20), tick=False):
        response = client_for(other_resident).post(URL.format(booking.pk))
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


@pytest.mark.parametrize("pk", ["abc", "99999999", "9" * 40])
def test_unknown_booking_is_404_with_a_code(staff_user, pk):
    response = client_for(staff_user).post(URL.format(pk))
    assert_error(response, 404, "booking_not_found")


def test_unknown_api_path_answers_json_404():
    response = APIClient().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
