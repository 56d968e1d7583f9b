"""Django's browser-session middleware is left out of cookie-less token calls (api.fastpath.middleware).

The answers must not change: each token call is sent once through the project's middleware and
once through Django's own four classes, and status, body and headers are compared. Requests
that carry a cookie, use no token or are not API calls keep the session, CSRF, auth and
messages middleware.
"""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from rest_framework.authtoken.models import Token

from api.fastpath.middleware import (
    AuthenticationMiddleware,
    MessageMiddleware,
    SessionMiddleware,
    is_cookieless_token_call,
)
from tests.factories import BookingFactory, SlotFactory, UserFactory

DJANGOS_OWN = {
    "api.fastpath.middleware.SessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
    "api.fastpath.middleware.CsrfViewMiddleware": "django.middleware.csrf.CsrfViewMiddleware",
    "api.fastpath.middleware.AuthenticationMiddleware": (
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    ),
    "api.fastpath.middleware.MessageMiddleware": "django.contrib.messages.middleware.MessageMiddleware",
}
DJANGO_MIDDLEWARE = [DJANGOS_OWN.get(path, path) for path in settings.MIDDLEWARE]
VARYING_HEADERS = {"Date"}


def test_the_project_lists_the_four_where_django_would():
    assert DJANGO_MIDDLEWARE != settings.MIDDLEWARE
    assert set(DJANGOS_OWN) <= set(settings.MIDDLEWARE)


def both_ways(method: str, path: str, **extra) -> tuple:  # type: ignore[no-untyped-def]
    answers = []
    for middleware in (settings.MIDDLEWARE, DJANGO_MIDDLEWARE):
        with override_settings(MIDDLEWARE=middleware):
            response = getattr(Client(), method)(path, **extra)
        headers = {k: v for k, v in response.headers.items() if k not in VARYING_HEADERS}
        answers.append((response.status_code, response.content, headers))
    assert answers[0] == answers[1]
    return answers[0]


@pytest.fixture
def token(resident) -> str:  # type: ignore[no-untyped-def]
    return str(Token.objects.create(user=resident).key)


def booking_post(token: str, slot_id: int, key: str) -> dict:
    return {
        "data": json.dumps({"slot": slot_id, "party_size": 1}),
        "content_type": "application/json",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "HTTP_IDEMPOTENCY_KEY": key,
        "HTTP_ACCEPT_LANGUAGE": "en",
    }


@pytest.mark.django_db
def test_token_calls_answer_as_through_djangos_middleware(token, resident, other_resident, court):
    taken = SlotFactory(resource=court, remaining=0)
    BookingFactory(slot=taken, resident=other_resident)
    status, body, headers = both_ways(
        "post", "/api/v1/bookings/", **booking_post(token, taken.pk, "k1")
    )
    assert status == 409 and json.loads(body)["code"] == "slot_taken"
    assert headers["Content-Language"] == "en"  # LocaleMiddleware still runs
    assert headers["X-Frame-Options"] == "DENY"  # and so do the security headers
    assert "Set-Cookie" not in headers

    later = taken.starts_at + dt.timedelta(hours=1)
    mine = BookingFactory(slot=SlotFactory(resource=court, starts_at=later), resident=resident)
    status, body, _ = both_ways(
        "get",
        "/api/v1/bookings/",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert status == 200 and [b["id"] for b in json.loads(body)["results"]] == [mine.pk]

    status, body, _ = both_ways("get", "/api/v1/bookings/", HTTP_AUTHORIZATION="Token not-a-token")
    assert status == 401 and json.loads(body)["code"] == "authentication_failed"


@pytest.mark.django_db
def test_a_token_call_is_booked_through_the_short_middleware(token, court):
    slot = SlotFactory(resource=court)
    response = Client().post("/api/v1/bookings/", **booking_post(token, slot.pk, "k2"))
    assert response.status_code == 201
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")


def run_browser_middleware(request: HttpRequest) -> dict:
    seen: dict = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(session=hasattr(request, "session"), user=hasattr(request, "user"))
        seen.update(messages=hasattr(request, "_messages"))
        return HttpResponse()

    SessionMiddleware(AuthenticationMiddleware(MessageMiddleware(view)))(request)
    return seen


@pytest.mark.parametrize(
    ("path", "headers", "skipped"),
    [
        ("/api/v1/bookings/", {"HTTP_AUTHORIZATION": "Token abc"}, True),
        ("/api/v1/bookings/", {"HTTP_AUTHORIZATION": "token abc"}, True),  # as DRF: any case
        ("/api/v1/bookings/", {"HTTP_AUTHORIZATION": "Token abc", "HTTP_COOKIE": ""}, True),
        # A cookie may carry a session (DRF's SessionAuthentication, the frontend's calls).
        ("/api/v1/bookings/", {"HTTP_AUTHORIZATION": "Token abc", "HTTP_COOKIE": "a=b"}, False),
        ("/api/v1/bookings/", {}, False),
        ("/api/v1/bookings/", {"HTTP_AUTHORIZATION": "Basic YTpi"}, False),
        ("/api/v1/bookings/", {"HTTP_AUTHORIZATION": "Tokens abc"}, False),
        # Pages outside the API keep their sessions whatever headers come with them.
        ("/admin/", {"HTTP_AUTHORIZATION": "Token abc"}, False),
        ("/apiary/", {"HTTP_AUTHORIZATION": "Token abc"}, False),
    ],
)
def test_which_requests_skip_the_browser_middleware(path, headers, skipped):
    request = RequestFactory().get(path, **headers)
    assert is_cookieless_token_call(request) is skipped
    seen = run_browser_middleware(request)
    assert seen == {"session": not skipped, "user": not skipped, "messages": not skipped}


@pytest.mark.django_db
def test_an_admin_page_sent_with_a_token_header_still_asks_to_sign_in():
    response = Client().get("/admin/", HTTP_AUTHORIZATION="Token abc")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_a_session_call_to_the_api_still_needs_its_csrf_token(court):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    slot = SlotFactory(resource=court)
    response = client.post(
        "/api/v1/bookings/",
        data=json.dumps({"slot": slot.pk, "party_size": 1}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k3",
    )
    assert response.status_code == 403
    assert "CSRF" in json.loads(response.content)["detail"]
