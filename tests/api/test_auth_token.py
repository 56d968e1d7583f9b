"""/api/v1/auth/token/ (sign in, revoke, sign out everywhere), using the token on the booking
API, its lifetime, and the limits on password guessing."""

import datetime as dt
import json

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient

from api.views.bookings import BookingCollectionView
from booking.models import Booking
from tests.factories import SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
REVOKE_ALL_URL = "/api/v1/auth/token/revoke-all/"
RIGHT = {"username": "alice", "password": "pass-12345"}
WRONG = {"username": "alice", "password": "nope"}


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


def test_a_token_comes_with_its_expiry(api_client, resident, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    body = api_client.post(TOKEN_URL, RIGHT, format="json").json()
    created = Token.objects.get(key=body["token"]).created
    assert dt.datetime.fromisoformat(body["expires_at"]) == created + dt.timedelta(days=30)


def test_an_overlong_username_is_a_400_on_its_field(api_client):
    response = api_client.post(TOKEN_URL, {"username": "a" * 300, "password": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username"}


# --- password guessing: per account, per client, through trusted proxies only ---------------


def sign_in(client, payload, **extra):  # type: ignore[no-untyped-def]
    return client.post(TOKEN_URL, payload, format="json", **extra)


def assert_locked(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "login_locked"
    assert "token" not in body
    assert 0 < body["retry_after"] <= 15 * 60
    assert int(response["Retry-After"]) == body["retry_after"]


def test_sixth_attempt_for_one_account_is_refused_from_any_address(api_client, resident):
    """Five wrong passwords for alice from five addresses (each also claiming another in
    X-Forwarded-For) lock alice: the right password from a sixth address is refused."""
    statuses = [
        sign_in(
            api_client,
            WRONG,
            REMOTE_ADDR=f"198.51.100.{n}",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(1, 6)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    assert_locked(sign_in(api_client, RIGHT, REMOTE_ADDR="198.51.100.6"))
    # Another account is not locked by alice's failures.
    UserFactory(username="bob")
    bob = {"username": "bob", "password": "pass-12345"}
    assert sign_in(api_client, bob, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_one_client_is_locked_out_after_failures_across_usernames(api_client, resident):
    for n in range(5):
        sign_in(
            api_client,
            {"username": f"guess{n}", "password": "nope"},
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",  # not believed: no trusted proxy
        )
    assert_locked(sign_in(api_client, RIGHT, REMOTE_ADDR="198.51.100.9"))
    assert sign_in(api_client, RIGHT, REMOTE_ADDR="198.51.100.10").status_code == 200


def test_the_right_password_is_refused_until_the_cool_off_ends(api_client, resident, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    for _ in range(5):
        sign_in(api_client, WRONG)
    first = sign_in(api_client, RIGHT)
    assert_locked(first)
    assert first.json()["retry_after"] == 15 * 60
    time_machine.move_to(start + dt.timedelta(minutes=14, seconds=59), tick=False)
    late = sign_in(api_client, RIGHT)
    assert_locked(late)
    assert late.json()["retry_after"] == 1  # refused attempts do not push the end further
    time_machine.move_to(start + dt.timedelta(minutes=15, seconds=1), tick=False)
    assert sign_in(api_client, RIGHT).status_code == 200


def test_the_limit_and_cool_off_come_from_the_settings(api_client, resident, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=3)
    assert sign_in(api_client, WRONG).status_code == 400
    response = sign_in(api_client, WRONG)
    assert_locked(response)
    assert response.json()["retry_after"] == 180


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(api_client, resident, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.1.2.3"}
    for n in range(5):
        sign_in(
            api_client,
            {"username": f"guess{n}", "password": "nope"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.20",  # the client's own claim first
            **proxy,
        )
    # The proxy's clients are told apart by the hop the proxy added: 198.51.100.20 is locked,
    # 198.51.100.21 behind the same proxy is not.
    assert_locked(sign_in(api_client, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy))
    other = sign_in(api_client, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.21", **proxy)
    assert other.status_code == 200
    # From an address that is not a trusted proxy the header counts for nothing.
    for n in range(5):
        sign_in(
            api_client,
            {"username": f"other{n}", "password": "nope"},
            REMOTE_ADDR="198.51.100.30",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
        )
    assert_locked(
        sign_in(api_client, RIGHT, REMOTE_ADDR="198.51.100.30", HTTP_X_FORWARDED_FOR="10.9.9.9")
    )


def test_sign_in_throttle_believes_forwarded_for_only_from_a_trusted_proxy(
    api_client, resident, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "2/min",
        },
    }
    statuses = [
        sign_in(api_client, RIGHT, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]  # one client, whatever it claims
    # Behind a trusted proxy, each client it forwards has its own count.
    settings.TRUSTED_PROXIES = ["10.1.2.3"]
    proxy = {"REMOTE_ADDR": "10.1.2.3"}
    statuses = [
        sign_in(api_client, RIGHT, HTTP_X_FORWARDED_FOR=client, **proxy).status_code
        for client in ["198.51.100.1", "198.51.100.2", "198.51.100.1", "198.51.100.1"]
    ]
    assert statuses == [200, 200, 200, 429]


# --- lifetime -------------------------------------------------------------------------------


def age(token: Token, **delta: float) -> None:
    Token.objects.filter(key=token.key).update(created=timezone.now() - dt.timedelta(**delta))


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_an_expired_token_is_401_token_expired(resident, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    token = Token.objects.create(user=resident)
    age(token, days=29, hours=23)
    assert token_client(token.key).get("/api/v1/bookings/").status_code == 200
    age(token, days=30, seconds=1)
    response = token_client(token.key).get("/api/v1/bookings/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert response["WWW-Authenticate"] == "Token"


def book_on_the_short_path(key: str, slot_id: int):  # type: ignore[no-untyped-def]
    request = RequestFactory().post(
        "/api/v1/bookings/",
        data=json.dumps({"slot": slot_id}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    response = BookingCollectionView.as_view()(request)
    if isinstance(response, Response):
        response.render()
    return response


def test_an_expired_token_books_nothing_on_the_short_path(resident, court, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    token = Token.objects.create(user=resident)
    first = SlotFactory(resource=court)
    second = SlotFactory(resource=court, starts_at=first.ends_at)
    age(token, days=29, hours=23, minutes=59)
    response = book_on_the_short_path(token.key, first.pk)
    assert response.status_code == 201
    assert not isinstance(response, Response), "the short path should have answered"
    age(token, days=30, seconds=1)
    response = book_on_the_short_path(token.key, second.pk)
    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "token_expired"
    assert Booking.objects.count() == 1


def test_tokens_never_expire_with_a_lifetime_of_zero(resident, court, settings):
    settings.API_TOKEN_TTL_DAYS = 0
    token = Token.objects.create(user=resident)
    age(token, days=3650)
    assert token_client(token.key).get("/api/v1/bookings/").status_code == 200
    assert book_on_the_short_path(token.key, SlotFactory(resource=court).pk).status_code == 201
    body = APIClient().post(TOKEN_URL, RIGHT, format="json").json()
    assert body == {"token": token.key, "expires_at": None}


def test_signing_in_after_expiry_issues_a_new_token(api_client, resident, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    old = api_client.post(TOKEN_URL, RIGHT, format="json").json()["token"]
    age(Token.objects.get(key=old), days=31)
    new = api_client.post(TOKEN_URL, RIGHT, format="json").json()["token"]
    assert new != old
    assert token_client(new).get("/api/v1/bookings/").status_code == 200
    assert token_client(old).get("/api/v1/bookings/").json()["code"] == "authentication_failed"


# --- revocation -----------------------------------------------------------------------------


def test_delete_revokes_the_token_of_the_call(api_client, resident, court):
    key = api_client.post(TOKEN_URL, RIGHT, format="json").json()["token"]
    client = token_client(key)
    assert client.get("/api/v1/bookings/").status_code == 200
    assert client.delete(TOKEN_URL).status_code == 204
    response = client.get("/api/v1/bookings/")
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")
    assert book_on_the_short_path(key, SlotFactory(resource=court).pk).status_code == 401
    assert not Booking.objects.exists()
    assert client.delete(TOKEN_URL).status_code == 401
    # Signing in again gives a new token.
    assert api_client.post(TOKEN_URL, RIGHT, format="json").json()["token"] != key


def test_delete_needs_a_token(api_client, resident_client):
    assert api_client.delete(TOKEN_URL).json()["code"] == "not_authenticated"
    response = resident_client.delete(TOKEN_URL)  # signed in, but not by a token
    assert (response.status_code, response.json()["code"]) == (400, "not_token_auth")


def signed_in_browser(user) -> Client:  # type: ignore[no-untyped-def]
    browser = Client()
    browser.force_login(user)
    assert browser.get("/me/bookings/").status_code == 200
    return browser


def test_sign_out_everywhere_revokes_the_token_and_every_session(
    api_client, resident, other_resident
):
    key = api_client.post(TOKEN_URL, RIGHT, format="json").json()["token"]
    phone, laptop = signed_in_browser(resident), signed_in_browser(resident)
    bobs = signed_in_browser(other_resident)
    bobs_token = Token.objects.create(user=other_resident)

    assert token_client(key).post(REVOKE_ALL_URL).status_code == 204

    assert token_client(key).get("/api/v1/bookings/").status_code == 401
    for browser in (phone, laptop):
        assert browser.get("/me/bookings/")["Location"].startswith("/accounts/login/")
    assert bobs.get("/me/bookings/").status_code == 200
    assert token_client(bobs_token.key).get("/api/v1/bookings/").status_code == 200


def test_sign_out_everywhere_from_a_browser_signs_it_out_too(resident):
    key = Token.objects.create(user=resident).key
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(resident)
    other = signed_in_browser(resident)
    browser.get("/")
    csrf = browser.cookies["csrftoken"].value
    assert browser.post(REVOKE_ALL_URL).status_code == 403  # a session call needs its CSRF token
    assert browser.post(REVOKE_ALL_URL, HTTP_X_CSRFTOKEN=csrf).status_code == 204
    for client in (browser, other):
        assert client.get("/me/bookings/")["Location"].startswith("/accounts/login/")
    assert token_client(key).get("/api/v1/bookings/").status_code == 401


def test_sign_out_everywhere_needs_a_signed_in_caller(api_client):
    response = api_client.post(REVOKE_ALL_URL)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_token_routes_are_in_the_schema_without_warnings():
    from django.urls import include, path

    from api import urls

    routes = {"auth-token", "auth-token-revoke-all"}
    patterns = [path("api/v1/", include([p for p in urls.v1 if p.name in routes]))]
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    warnings, errors = dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    assert (warnings, errors) == ({}, {})
    validate_schema(schema)
    token = schema["paths"]["/api/v1/auth/token/"]
    assert set(token) == {"post", "delete"}
    assert {"200", "400", "429"} <= set(token["post"]["responses"])
    assert "204" in token["delete"]["responses"]
    assert "204" in schema["paths"]["/api/v1/auth/token/revoke-all/"]["post"]["responses"]
