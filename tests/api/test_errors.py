"""Bad input to the booking API: always a 4xx with `{"code", "detail"}`, never a 500."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking.models import Booking
from tests.api.helpers import client_for
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"


@pytest.fixture
def client(resident) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(resident)
    return client


@pytest.fixture
def slot(court):  # type: ignore[no-untyped-def]
    return SlotFactory(resource=court)


def post_raw(client: APIClient, body: bytes | str, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    return client.generic("POST", URL, body, content_type=content_type)


def assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"slot": "SLOT"}, "slot"),
        ({"slot": "1"}, "slot"),  # a string id
        ({"slot": 1.0}, "slot"),
        ({"slot": None}, "slot"),
        ({"slot": True}, "slot"),
        ({"slot": [1]}, "slot"),
        ({"slot": {"id": 1}}, "slot"),
        ({"slot": 0}, "slot"),
        ({"slot": -3}, "slot"),
        ({"slot": 10**30}, "slot"),  # beyond bigint
        ({}, "slot"),  # missing
        ({"party_size": 1}, "slot"),
        ({"slot": "__SLOT__", "party_size": "2"}, "party_size"),
        ({"slot": "__SLOT__", "party_size": 1.5}, "party_size"),
        ({"slot": "__SLOT__", "party_size": 2.0}, "party_size"),
        ({"slot": "__SLOT__", "party_size": True}, "party_size"),
        ({"slot": "__SLOT__", "party_size": None}, "party_size"),
        ({"slot": "__SLOT__", "party_size": 0}, "party_size"),
        ({"slot": "__SLOT__", "party_size": -2}, "party_size"),
        ({"slot": "__SLOT__", "party_size": 10**20}, "party_size"),
    ],
)
def test_wrong_types_and_values_are_400_with_the_field(client, slot, payload, field):
    payload = {k: slot.pk if v == "__SLOT__" else v for k, v in payload.items()}
    body = assert_error(client.post(URL, payload, format="json"), 400, "invalid")
    assert list(body["fields"]) == [field]
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"{bad json",
        b'{"slot": 1,}',
        b"\xff\xfe\x00garbage",
        b'{"slot": ' + b"9" * 5000 + b"}",  # Python refuses to parse ints this long
        b"NaN",
    ],
)
def test_malformed_json_is_400_malformed_request(client, raw):
    assert_error(post_raw(client, raw), 400, "malformed_request")


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b"[1, 2]", b'"slot"', b"42"])
def test_body_that_is_not_an_object_is_400_invalid(client, raw):
    assert_error(post_raw(client, raw), 400, "invalid")


def test_form_encoded_body_is_415(client, slot):
    response = post_raw(client, f"slot={slot.pk}", "application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("token_auth", [True, False])
def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(
    resident, slot, settings, token_auth
):
    """Django refuses it before the view (DATA_UPLOAD_MAX_MEMORY_SIZE); the API still answers
    JSON. With a token the short path reads the body, with a session DRF does."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = APIClient(raise_request_exception=False)
    if token_auth:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=resident).key}")
    else:
        client.force_authenticate(resident)
    body = json.dumps({"slot": slot.pk, "pad": "x" * 2000})
    assert_error(post_raw(client, body), 413, "request_too_large")
    assert not Booking.objects.exists()


def test_a_page_outside_the_api_keeps_django_s_400_page(client):
    client.raise_request_exception = False
    response = client.get("/", HTTP_HOST="not allowed host")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_unknown_slot_id_is_404_slot_not_found(client):
    assert_error(client.post(URL, {"slot": 2**63 - 1}, format="json"), 404, "slot_not_found")


def test_unknown_fields_are_ignored(client, slot):
    response = client.post(URL, {"slot": slot.pk, "resident": 999, "status": "x"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"


def test_past_slot_is_422_past(client, court):
    import datetime as dt

    from django.utils import timezone

    start = timezone.now() - dt.timedelta(days=1)
    old = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    assert_error(client.post(URL, {"slot": old.pk}, format="json"), 422, "past")


def test_unsupported_method_is_405_with_a_code(client):
    assert_error(client.put(URL, {"slot": 1}, format="json"), 405, "method_not_allowed")
    assert_error(client.delete(URL), 405, "method_not_allowed")


def test_validation_error_body_has_code_detail_and_fields_only(client):
    body = client.post(URL, {"slot": "x", "party_size": -1}, format="json").json()
    assert set(body) == {"code", "detail", "fields"}
    assert set(body["fields"]) == {"slot", "party_size"}
    assert all(isinstance(m, str) for msgs in body["fields"].values() for m in msgs)


def test_domain_error_body_has_no_fields(client, slot, other_resident):
    other = client_for(other_resident)
    other.post(URL, {"slot": slot.pk}, format="json")
    body = client.post(URL, {"slot": slot.pk}, format="json").json()
    assert set(body) == {"code", "detail"}


def test_huge_idempotency_key_is_400(client, slot):
    response = client.post(URL, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="a" * 5000)
    assert_error(response, 400, "invalid_idempotency_key")
