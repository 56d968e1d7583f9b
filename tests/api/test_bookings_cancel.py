"""POST /api/v1/bookings/{id}/cancel/."""

import datetime as dt

import pytest

from booking import services
from booking.models import Booking
from tests.api.helpers import assert_error, client_for, slot_starting_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"


def book(resident, resource, starts_in: dt.timedelta = dt.timedelta(days=1)) -> Booking:  # type: ignore[no-untyped-def]
    slot = slot_starting_in(resource, starts_in)
    return services.place_booking(resident=resident, slot_id=slot.pk).booking


def test_resident_cancels_in_time_and_the_place_returns(resident, court):
    booking = book(resident, court)
    response = client_for(resident).post(f"{URL}{booking.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["late_cancellation"] is False
    assert response.json()["cancelled_at"].endswith("+08:00")
    booking.slot.refresh_from_db()
    assert booking.slot.remaining == 1


def test_resident_cancelling_after_the_deadline_is_marked_late(resident, court):
    booking = book(resident, court, starts_in=dt.timedelta(minutes=90))
    response = client_for(resident).post(f"{URL}{booking.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["late_cancellation"] is True


def test_staff_cancel_a_booking_of_their_venue(resident, staff_user, court):
    booking = book(resident, court, starts_in=dt.timedelta(minutes=90))
    response = client_for(staff_user).post(f"{URL}{booking.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["late_cancellation"] is False


def test_another_resident_gets_404_and_nothing_changes(resident, other_resident, court):
    booking = book(resident, court)
    response = client_for(other_resident).post(f"{URL}{booking.pk}/cancel/")
    assert_error(response, 404, "booking_not_found")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_cancelling_a_checked_in_booking_is_409_not_cancellable(resident, court):
    booking = book(resident, court)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CHECKED_IN)
    response = client_for(resident).post(f"{URL}{booking.pk}/cancel/")
    assert_error(response, 409, "not_cancellable")


def test_cancelling_twice_answers_the_cancelled_booking_both_times(resident, court):
    booking = book(resident, court)
    client = client_for(resident)
    first = client.post(f"{URL}{booking.pk}/cancel/")
    second = client.post(f"{URL}{booking.pk}/cancel/")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


def test_after_a_cancel_another_resident_books_the_court(resident, other_resident, court):
    booking = book(resident, court)
    other = client_for(other_resident)
    assert other.post(URL, {"slot": booking.slot_id}, format="json").json()["code"] == "slot_taken"
    client_for(resident).post(f"{URL}{booking.pk}/cancel/")
    assert other.post(URL, {"slot": booking.slot_id}, format="json").status_code == 201


def test_anonymous_cancel_is_401(api_client, resident, court):
    booking = book(resident, court)
    response = api_client.post(f"{URL}{booking.pk}/cancel/")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize("pk", ["abc", "0", "99999999999999999999999", "123456789"])
def test_cancel_of_unknown_booking_is_404(resident, pk):
    response = client_for(resident).post(f"{URL}{pk}/cancel/")
    assert_error(response, 404, "booking_not_found")


def test_cancel_answers_get_with_405(resident, court):
    booking = book(resident, court)
    response = client_for(resident).get(f"{URL}{booking.pk}/cancel/")
    assert_error(response, 405, "method_not_allowed")
