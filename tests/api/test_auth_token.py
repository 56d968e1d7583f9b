"""POST /api/v1/auth/token/ and using the token on the booking API."""

import pytest
from rest_framework.test import APIClient

from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def test_valid_credentials_give_a_token_that_books(api_client, resident, court):
    response = api_client.post(
        TOKEN_URL, {"username": "alice", "password": "pass-12345"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    booked = client.post(
        "/api/v1/bookings/", {"slot": SlotFactory(resource=court).pk}, format="json"
    )
    assert booked.status_code == 201


def test_the_same_user_gets_the_same_token_again(api_client, resident):
    payload = {"username": "alice", "password": "pass-12345"}
    first = api_client.post(TOKEN_URL, payload, format="json").json()["token"]
    assert api_client.post(TOKEN_URL, payload, format="json").json()["token"] == first


def test_wrong_password_is_400_with_a_code(api_client, resident):
    response = api_client.post(TOKEN_URL, {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "token" not in response.json()


def test_missing_fields_are_400_with_fields(api_client):
    response = api_client.post(TOKEN_URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password"}


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token not-a-token", "Bearer abc", "Token \u00e9\u00e9"]
)
def test_malformed_or_unknown_token_is_401(api_client, header):
    response = api_client.get("/api/v1/bookings/", HTTP_AUTHORIZATION=header)
    if header.startswith("Bearer"):
        # Another scheme is ignored, leaving the caller anonymous.
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.json()["code"] == "authentication_failed"
    assert response.status_code == 401


def test_sign_in_is_throttled_per_address(api_client, resident, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "2/min",
        },
    }
    wrong = {"username": "alice", "password": "nope"}
    statuses = [api_client.post(TOKEN_URL, wrong, format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert api_client.post(TOKEN_URL, wrong, format="json").json()["code"] == "throttled"


def test_sign_in_works_while_the_throttle_counter_is_down(api_client, resident, settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    payload = {"username": "alice", "password": "pass-12345"}
    response = api_client.post(TOKEN_URL, payload, format="json")
    assert response.status_code == 200 and response.json()["token"]
    assert "throttle counter unavailable" in caplog.text


def test_sign_in_throttle_can_be_switched_off(api_client, resident, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "off",
        },
    }
    wrong = {"username": "alice", "password": "nope"}
    assert {api_client.post(TOKEN_URL, wrong, format="json").status_code for _ in range(3)} == {400}
