"""POST /api/v1/checkins/ from gates (`Authorization: Gate <token>`) and venue staff."""

import base64
import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from booking import services
from checkin.codes import checkin_code_for, verify_code
from checkin.gates import issue_gate_device
from checkin.models import CheckIn, GateDevice
from tests.api.helpers import client_for
from tests.factories import SlotFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"


@pytest.fixture
def booking(resident, court):  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    return services.place_booking(resident=resident, slot_id=slot.pk).booking


@pytest.fixture
def gate_client(venue):  # type: ignore[no-untyped-def]
    _device, token = issue_gate_device(venue=venue, name="东门闸机 East gate")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Gate {token}")
    return client


def test_gate_lets_a_confirmed_booking_in_once(gate_client, booking):
    code = checkin_code_for(booking)

    first = gate_client.post(URL, {"code": code}, format="json")
    second = gate_client.post(URL, {"code": code}, format="json")

    assert first.status_code == 200
    body = first.json()
    assert body["allowed"] is True
    assert body["reason"] is None
    assert body["booking"]["id"] == booking.pk
    assert body["booking"]["party_size"] == 1
    assert body["booking"]["status"] == "checked_in"
    assert second.status_code == 200
    assert (second.json()["allowed"], second.json()["reason"]) == (False, "already_used")
    assert GateDevice.objects.get().last_seen_at is not None


def test_booking_api_shows_the_code_and_its_qr_once_confirmed(resident_client, booking):
    body = resident_client.get(f"/api/v1/bookings/{booking.pk}/").json()
    assert body["checkin_code"] == checkin_code_for(booking)
    assert body["checkin_qr"] == f"/api/v1/bookings/{booking.pk}/qr.svg"
    assert body["payment_url"] == ""


def test_too_early_is_refused_with_a_reason(gate_client, booking):
    with time_machine.travel(booking.starts_at - dt.timedelta(minutes=30), tick=False):
        response = gate_client.post(URL, {"code": checkin_code_for(booking)}, format="json")
    assert response.json()["allowed"] is False
    assert response.json()["reason"] == "too_early"


def test_unknown_code_is_refused_with_a_reason(gate_client):
    response = gate_client.post(URL, {"code": "x" * 114}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "allowed": False,
        "reason": "invalid_code",
        "booking": None,
        "checkin": CheckIn.objects.get().pk,
    }


def test_venue_staff_may_check_people_in(staff_user, booking):
    client = client_for(staff_user)
    response = client.post(URL, {"code": checkin_code_for(booking)}, format="json")
    assert response.json()["allowed"] is True
    assert CheckIn.objects.get().staff_id == staff_user.pk


def test_resident_may_not_check_in_by_themselves(resident_client, booking):
    response = resident_client.post(URL, {"code": checkin_code_for(booking)}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not CheckIn.objects.exists()


def test_anonymous_caller_is_asked_to_authenticate(booking):
    response = APIClient().post(URL, {"code": checkin_code_for(booking)}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Gate wrong-token", "Gate", "Gate a b"])
def test_bad_gate_credentials_are_refused(header, booking):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post(URL, {"code": checkin_code_for(booking)}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_disabled_gate_is_refused(venue, booking):
    device, token = issue_gate_device(venue=venue, name="old gate")
    GateDevice.objects.filter(pk=device.pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Gate {token}")
    assert client.post(URL, {"code": "x"}, format="json").status_code == 401


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 5 * "x" * 100}, {"code": None}])
def test_malformed_body_is_a_400(gate_client, body):
    response = gate_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "code" in response.json()["fields"]


def test_non_json_body_is_a_400(gate_client):
    response = gate_client.post(URL, "code=abc", content_type="text/plain")
    assert response.status_code == 415


def test_public_key_verifies_codes_offline(booking):
    response = APIClient().get("/api/v1/checkins/public-key/")
    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    raw = base64.urlsafe_b64decode(body["public_key"] + "=")
    assert len(raw) == 32
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    claims = verify_code(checkin_code_for(booking), raw)
    assert claims.booking_id == booking.pk


def test_other_venue_gate_is_told_wrong_venue(booking):
    _, token = issue_gate_device(venue=VenueFactory(), name="elsewhere")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Gate {token}")
    response = client.post(URL, {"code": checkin_code_for(booking)}, format="json")
    assert (response.json()["allowed"], response.json()["reason"]) == (False, "wrong_venue")


@pytest.mark.parametrize("scanner", ["gate", "staff"])
def test_refusal_at_another_venue_reveals_nothing_of_the_booking(booking, resident, scanner):
    """A gate or staff member of venue B learns only "not for this venue" from a valid code of
    venue A's booking: no booking id, time, resident, venue or state."""
    elsewhere = VenueFactory()
    client = APIClient()
    if scanner == "gate":
        _, token = issue_gate_device(venue=elsewhere, name="elsewhere")
        client.credentials(HTTP_AUTHORIZATION=f"Gate {token}")
    else:
        outsider = UserFactory(username="other-staff")
        elsewhere.staff.add(outsider)
        client.force_authenticate(outsider)

    response = client.post(URL, {"code": checkin_code_for(booking)}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "allowed": False,
        "reason": "wrong_venue",
        "booking": None,
        "checkin": body["checkin"],
    }
    text = response.content.decode()
    for secret in (
        f'"id":{booking.pk}',
        booking.starts_at.isoformat()[:16],
        timezone.localtime(booking.starts_at).isoformat()[:16],
        resident.username,
        booking.resource.name_zh,
        booking.venue.name_zh,
    ):
        assert secret not in text
    # The scan is still recorded against the booking, for the venue's own audit.
    assert CheckIn.objects.get(pk=body["checkin"]).booking_id == booking.pk
