"""GET /api/v1/me/standing/ and POST /api/v1/strikes/{id}/waive/."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from booking import standing
from booking.models import ResidentStanding, Strike
from tests.api.helpers import assert_error, client_for
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strike(resident, court):  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    slot = SlotFactory(
        resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), remaining=0
    )
    BookingFactory(slot=slot, resident=resident)  # the factory takes no place itself
    standing.mark_no_shows()
    return Strike.objects.get()


def test_resident_sees_their_strikes(resident_client, strike):
    response = resident_client.get("/api/v1/me/standing/")
    assert response.status_code == 200
    body = response.json()
    assert body["suspended"] is False
    assert body["suspended_until"] is None
    assert body["active_strikes"] == 1
    assert body["strikes"][0]["id"] == strike.pk
    assert body["strikes"][0]["kind"] == "no_show"
    assert body["strikes"][0]["waived_at"] is None


def test_suspended_resident_sees_until_when(resident, resident_client):
    until = timezone.now() + dt.timedelta(days=3)
    ResidentStanding.objects.create(user=resident, suspended_until=until)
    body = resident_client.get("/api/v1/me/standing/").json()
    assert body["suspended"] is True
    assert body["suspended_until"] == timezone.localtime(until).isoformat()


def test_standing_needs_a_signed_in_user():
    assert APIClient().get("/api/v1/me/standing/").status_code == 401


def test_venue_staff_waive_a_strike(staff_user, strike):
    client = client_for(staff_user)
    response = client.post(f"/api/v1/strikes/{strike.pk}/waive/")
    assert response.status_code == 200
    assert response.json()["waived_at"] is not None
    again = client.post(f"/api/v1/strikes/{strike.pk}/waive/")
    assert_error(again, 409, "already_waived")


def test_resident_cannot_waive_their_own_strike(resident_client, strike):
    response = resident_client.post(f"/api/v1/strikes/{strike.pk}/waive/")
    assert_error(response, 403, "not_venue_staff")


@pytest.mark.parametrize("pk", ["0", "abc", "99999999"])
def test_unknown_strike_is_a_404(staff_user, pk):
    client = client_for(staff_user)
    response = client.post(f"/api/v1/strikes/{pk}/waive/")
    assert_error(response, 404, "strike_not_found")
