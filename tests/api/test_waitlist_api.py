"""POST /api/v1/slots/{id}/waitlist/, GET /api/v1/waitlist/, POST .../accept|decline|withdraw/."""

import pytest
from rest_framework.test import APIClient

from booking import services as booking_services
from booking.models import Booking
from tests.api.helpers import client_for
from tests.factories import SlotFactory, UserFactory
from tests.waitlist.helpers import book
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_court(court, other_resident):  # type: ignore[no-untyped-def]
    slot = SlotFactory(resource=court)
    book(other_resident, slot)
    return slot


def test_queueing_answers_201_with_the_contracts_shape(resident_client, full_court):
    response = resident_client.post(
        f"/api/v1/slots/{full_court.pk}/waitlist/", {"party_size": 2}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert {"id", "slot", "position", "status"} <= body.keys()
    assert (body["slot"], body["position"], body["status"]) == (full_court.pk, 1, "waiting")
    assert body["offer_expires_at"] is None


def test_an_empty_body_queues_one_person(resident_client, full_court):
    response = resident_client.post(f"/api/v1/slots/{full_court.pk}/waitlist/", format="json")
    assert response.status_code == 201
    assert response.json()["party_size"] == 1


def test_queueing_for_a_slot_with_room_is_409_not_full(resident_client, court):
    slot = SlotFactory(resource=court)
    response = resident_client.post(f"/api/v1/slots/{slot.pk}/waitlist/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "not_full")


def test_a_second_entry_is_409_already_waiting(resident_client, full_court):
    url = f"/api/v1/slots/{full_court.pk}/waitlist/"
    assert resident_client.post(url, {}, format="json").status_code == 201
    response = resident_client.post(url, {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_waiting")


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/v1/slots/999999/waitlist/", {}, 404, "slot_not_found"),
        ("/api/v1/slots/abc/waitlist/", {}, 404, "slot_not_found"),
        ("/api/v1/slots/99999999999999999999/waitlist/", {}, 404, "slot_not_found"),
        ("SLOT", {"party_size": "two"}, 400, "invalid"),
        ("SLOT", {"party_size": 0}, 400, "invalid"),
        ("SLOT", {"party_size": 2**70}, 400, "invalid"),
        ("SLOT", [1, 2], 400, "invalid"),
        ("SLOT", {"party_size": 9}, 422, "party_too_large"),
    ],
)
def test_bad_input_is_a_4xx_with_a_code(resident_client, full_court, path, body, status, code):  # type: ignore[no-untyped-def]
    url = f"/api/v1/slots/{full_court.pk}/waitlist/" if path == "SLOT" else path
    response = resident_client.post(url, body, format="json")
    assert response.status_code == status
    assert response.json()["code"] == code


def test_malformed_json_is_400(resident_client, full_court):
    response = resident_client.post(
        f"/api/v1/slots/{full_court.pk}/waitlist/", b"{", content_type="application/json"
    )
    assert response.status_code == 400
    assert "code" in response.json()


def test_anonymous_callers_are_401(full_court):
    response = APIClient().post(f"/api/v1/slots/{full_court.pk}/waitlist/", {}, format="json")
    assert response.status_code == 401
    assert APIClient().get("/api/v1/waitlist/").status_code == 401


def test_the_list_shows_the_callers_entries_only(resident, resident_client, full_court):
    resident_client.post(f"/api/v1/slots/{full_court.pk}/waitlist/", {}, format="json")
    stranger = UserFactory(username="stranger")
    client_for(stranger).post(f"/api/v1/slots/{full_court.pk}/waitlist/", {}, format="json")
    body = resident_client.get("/api/v1/waitlist/").json()
    assert body["count"] == 1
    assert body["results"][0]["status"] == "waiting"
    assert body["results"][0]["position"] == 1
    other = client_for(stranger).get("/api/v1/waitlist/?status=waiting").json()
    assert other["results"][0]["position"] == 2


def test_an_unknown_status_filter_is_400(resident_client):
    response = resident_client.get("/api/v1/waitlist/?status=lost")
    assert response.status_code == 400
    assert "code" in response.json()


@pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
@pytest.mark.parametrize("pk", ["999999", "x", "-1", "0"])
def test_unknown_entries_are_404(resident_client, action, pk):  # type: ignore[no-untyped-def]
    response = resident_client.post(f"/api/v1/waitlist/{pk}/{action}/")
    assert (response.status_code, response.json()["code"]) == (404, "waitlist_entry_not_found")


def test_accepting_a_waiting_entry_is_409_not_offered(resident_client, full_court):
    entry_id = resident_client.post(
        f"/api/v1/slots/{full_court.pk}/waitlist/", {}, format="json"
    ).json()["id"]
    response = resident_client.post(f"/api/v1/waitlist/{entry_id}/accept/")
    assert (response.status_code, response.json()["code"]) == (409, "not_offered")
    response = resident_client.post(f"/api/v1/waitlist/{entry_id}/withdraw/")
    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")


@pytest.mark.django_db(transaction=True)
def test_an_offer_is_listed_with_its_expiry_and_accepted_as_a_201_booking(
    resident, other_resident, court
):
    slot = SlotFactory(resource=court)
    book(other_resident, slot)
    client = client_for(resident)
    entry_id = client.post(f"/api/v1/slots/{slot.pk}/waitlist/", {}, format="json").json()["id"]
    taken = Booking.objects.get(slot=slot, resident=other_resident)
    booking_services.cancel_booking(booking_id=taken.pk, by_user=other_resident)

    listed = client.get("/api/v1/waitlist/").json()["results"][0]
    assert listed["status"] == "offered"
    assert listed["offer_expires_at"] is not None
    assert listed["position"] is None

    response = client.post(f"/api/v1/waitlist/{entry_id}/accept/")
    assert response.status_code == 201
    booking = response.json()
    assert (booking["slot"], booking["status"]) == (slot.pk, "confirmed")
    assert WaitlistEntry.objects.get(pk=entry_id).status == "accepted"


@pytest.mark.django_db(transaction=True)
def test_a_paid_offer_is_accepted_as_a_hold_with_its_payment(
    stripe_settings, resident, other_resident, court
):
    slot = SlotFactory(resource=court, price="30.00")
    book(other_resident, slot)
    client = client_for(resident)
    entry_id = client.post(f"/api/v1/slots/{slot.pk}/waitlist/", {}, format="json").json()["id"]
    taken = Booking.objects.get(slot=slot, resident=other_resident)
    booking_services.cancel_booking(booking_id=taken.pk, by_user=other_resident)

    response = client.post(f"/api/v1/waitlist/{entry_id}/accept/")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "held"
    assert body["payment_url"]
    held = Booking.objects.get(pk=body["id"])
    # The normal paid hold: the policy's hold time from the acceptance.
    assert held.hold_expires_at > held.updated_at
    assert held.payment.stripe_payment_intent_id
