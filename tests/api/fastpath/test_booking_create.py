"""The short path of POST /api/v1/bookings/ (api.fastpath.booking_create) answers exactly as DRF's.

Each case sends the same request to `BookingCollectionView` (which tries the short path first)
and to the same view with DRF's own dispatch, and compares status, body and headers. The cases the short
path must answer itself are checked to be answered by it (a plain HttpResponse, not DRF's
Response); the others must fall through to DRF.
"""

import datetime as dt
import json

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.response import Response

from api.views.bookings import BookingCollectionView
from booking.models import ResidentStanding
from tests.factories import BookingFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"
HEADERS = ("Allow", "Content-Type", "Location", "Idempotent-Replayed", "Retry-After")


class DrfOnly(BookingCollectionView):
    def dispatch(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super(BookingCollectionView, self).dispatch(request, *args, **kwargs)


SHORT = BookingCollectionView.as_view()
DRF = DrfOnly.as_view()


def send(view, *, token="", body=None, raw=None, content_type="application/json", key=""):  # type: ignore[no-untyped-def]
    headers = {}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Token {token}"
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    data = raw if raw is not None else json.dumps(body)
    response = view(RequestFactory().post(URL, data=data, content_type=content_type, **headers))
    if isinstance(response, Response):
        response.render()
    return response


def answer(response):  # type: ignore[no-untyped-def]
    return (
        response.status_code,
        json.loads(response.content),
        {h: response.get(h) for h in HEADERS if h in response},
    )


def token_for(user) -> str:  # type: ignore[no-untyped-def]
    return str(Token.objects.get_or_create(user=user)[0].key)


def assert_same_answer(*, short_path: bool, **request) -> tuple:  # type: ignore[no-untyped-def]
    short, drf = send(SHORT, **request), send(DRF, **request)
    assert answer(short) == answer(drf)
    if short_path:
        assert type(short) is HttpResponse, "the short path should have answered"
    else:
        assert isinstance(short, Response), "DRF should have answered"
    return answer(short)


# --- answered by the short path ------------------------------------------------------------


def test_taken_court_and_full_gym_slot(resident, other_resident, court, gym):
    court_slot = SlotFactory(resource=court, remaining=0)
    BookingFactory(slot=court_slot, resident=other_resident)
    gym_slot = SlotFactory(resource=gym, remaining=1)
    token = token_for(resident)
    status, body, headers = assert_same_answer(
        short_path=True, token=token, body={"slot": court_slot.pk}
    )
    assert (status, body["code"]) == (409, "slot_taken")
    assert headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    status, body, _ = assert_same_answer(
        short_path=True, token=token, body={"slot": gym_slot.pk, "party_size": 2}
    )
    assert (status, body["code"]) == (409, "slot_full")


def test_unknown_closed_and_past_slots(resident, court):
    token = token_for(resident)
    closed = SlotFactory(resource=court, is_closed=True, closed_reason="维修 Repairs")
    past = SlotFactory(resource=court, starts_at=timezone.now() - dt.timedelta(hours=2))
    cases = [(987654, 404, "slot_not_found"), (closed.pk, 422, "closed"), (past.pk, 422, "past")]
    for slot_id, status_code, code in cases:
        status, body, _ = assert_same_answer(short_path=True, token=token, body={"slot": slot_id})
        assert (status, body["code"]) == (status_code, code)


def test_window_not_open_and_party_too_large(resident, court, gym):
    token = token_for(resident)
    far = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=30))
    status, body, _ = assert_same_answer(short_path=True, token=token, body={"slot": far.pk})
    assert (status, body["code"]) == (422, "window_not_open")
    assert body["opens_at"]
    slot = SlotFactory(resource=gym)
    status, body, _ = assert_same_answer(
        short_path=True, token=token, body={"slot": slot.pk, "party_size": 21}
    )
    assert (status, body["code"], list(body["fields"])) == (422, "party_too_large", ["party_size"])


def test_suspended_and_already_booked(resident, other_resident, gym):
    slot = SlotFactory(resource=gym)
    BookingFactory(slot=slot, resident=other_resident)
    status, body, _ = assert_same_answer(
        short_path=True, token=token_for(other_resident), body={"slot": slot.pk}, key="second"
    )
    assert (status, body["code"]) == (409, "already_booked")
    ResidentStanding.objects.create(
        user=resident, suspended_until=timezone.now() + dt.timedelta(days=3)
    )
    status, body, _ = assert_same_answer(
        short_path=True, token=token_for(resident), body={"slot": slot.pk}
    )
    assert (status, body["code"]) == (403, "suspended")


def test_replay_and_reused_key(resident, gym):
    token = token_for(resident)
    slot = SlotFactory(resource=gym)
    other = SlotFactory(resource=gym, starts_at=slot.starts_at + dt.timedelta(hours=1))
    first = send(SHORT, token=token, body={"slot": slot.pk}, key="tap-1")
    assert first.status_code == 201
    status, body, headers = assert_same_answer(
        short_path=True, token=token, body={"slot": slot.pk}, key="tap-1"
    )
    assert (status, body["id"], headers["Idempotent-Replayed"]) == (
        200,
        json.loads(first.content)["id"],
        "true",
    )
    status, body, _ = assert_same_answer(
        short_path=True, token=token, body={"slot": other.pk}, key="tap-1"
    )
    assert (status, body["code"]) == (422, "idempotency_key_reused")


def test_a_new_booking_has_the_same_shape_on_both_paths(resident, other_resident, gym):
    slot = SlotFactory(resource=gym)
    short = send(SHORT, token=token_for(resident), body={"slot": slot.pk, "party_size": 2})
    drf = send(DRF, token=token_for(other_resident), body={"slot": slot.pk, "party_size": 2})
    assert type(short) is HttpResponse
    (s_status, s_body, s_headers), (d_status, d_body, d_headers) = answer(short), answer(drf)
    assert s_status == d_status == 201
    assert s_headers["Location"] == f"{URL}{s_body['id']}/"
    assert d_headers["Location"] == f"{URL}{d_body['id']}/"
    assert set(s_headers) == set(d_headers)
    mine = {"id", "checkin_code", "checkin_qr", "created_at", "confirmed_at", "updated_at"}
    assert {k: v for k, v in s_body.items() if k not in mine} == {
        k: v for k, v in d_body.items() if k not in mine
    }
    slot.refresh_from_db()
    assert slot.remaining == 20 - 4


def test_short_path_reads_user_and_slot_in_one_statement(resident, other_resident, court):
    slot = SlotFactory(resource=court, remaining=0)
    BookingFactory(slot=slot, resident=other_resident)
    token = token_for(resident)
    with CaptureQueriesContext(connection) as queries:
        response = send(SHORT, token=token, body={"slot": slot.pk})
    assert response.status_code == 409
    assert len(queries) == 1


# --- left to DRF, which words the error ----------------------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "status_code", "code"),
    [
        ({"raw": "{not json"}, 400, "malformed_request"),
        ({"raw": '{"slot": 1, "x": NaN}'}, 400, "malformed_request"),
        ({"raw": "", "content_type": "application/json"}, 400, "invalid"),
        ({"body": {"slot": "5"}}, 400, "invalid"),
        ({"body": {"slot": 5, "party_size": 0}}, 400, "invalid"),
        ({"body": [5]}, 400, "invalid"),
        ({"body": {"slot": 5}, "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"body": {"slot": 5}, "key": "has space"}, 400, "invalid_idempotency_key"),
        ({"body": {"slot": 5}, "key": "x" * 101}, 400, "invalid_idempotency_key"),
    ],
)
def test_bad_input_is_left_to_drf(resident, request_kwargs, status_code, code):
    status, body, _ = assert_same_answer(
        short_path=False, token=token_for(resident), **request_kwargs
    )
    assert (status, body["code"]) == (status_code, code)


def test_unknown_inactive_and_missing_tokens_are_left_to_drf(resident, court):
    slot = SlotFactory(resource=court)
    inactive = UserFactory(username="gone", is_active=False)
    for token in ["0" * 40, token_for(inactive), ""]:
        status, body, _ = assert_same_answer(short_path=False, token=token, body={"slot": slot.pk})
        assert status == 401
        assert body["code"] in {"authentication_failed", "not_authenticated"}


def test_session_requests_are_left_to_drf(resident, court):
    """A browser's POST carries a session, not a token: DRF checks its CSRF token."""
    slot = SlotFactory(resource=court)
    request = RequestFactory().post(
        URL, data=json.dumps({"slot": slot.pk}), content_type="application/json"
    )
    request.user = resident
    request._dont_enforce_csrf_checks = True
    response = SHORT(request)
    assert isinstance(response, Response)


def test_both_paths_share_the_throttle_counter(resident, court, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"booking_create": "3/min", "auth": "20/min"},
    }
    slot = SlotFactory(resource=court, remaining=0)
    token = token_for(resident)
    assert send(SHORT, token=token, body={"slot": slot.pk}).status_code == 409
    assert send(DRF, token=token, body={"slot": slot.pk}).status_code == 409
    assert send(SHORT, token=token, body={"slot": slot.pk}).status_code == 409
    short, drf = (
        send(SHORT, token=token, body={"slot": slot.pk}),
        send(DRF, token=token, body={"slot": slot.pk}),
    )
    assert type(short) is HttpResponse
    (s_status, s_body, s_headers), (d_status, d_body, d_headers) = answer(short), answer(drf)
    assert s_status == d_status == 429
    assert s_body["code"] == d_body["code"] == "throttled"
    # Retry-After counts down to the window's end: the two answers may be a second apart.
    assert abs(int(s_headers["Retry-After"]) - int(d_headers["Retry-After"])) <= 1
    assert 0 < int(s_headers["Retry-After"]) <= 60


def test_a_new_booking_and_its_answer_load_no_deferred_field(resident, court):
    """The read's user and venue carry only some columns: nothing may need the others."""
    slot = SlotFactory(resource=court)
    token = token_for(resident)
    with CaptureQueriesContext(connection) as queries:
        response = send(SHORT, token=token, body={"slot": slot.pk})
    assert response.status_code == 201
    statements = [q["sql"].split()[0].upper() for q in queries]
    data = [s for s in statements if s not in {"SAVEPOINT", "RELEASE"}]
    take = "WITH" if connection.vendor == "postgresql" else "UPDATE"
    # read, take (+ lock), the resident's bookings, INSERT of the booking and its confirmation
    # notice (one statement on PostgreSQL); then only the confirmation's work
    insert = ["WITH"] if connection.vendor == "postgresql" else ["INSERT", "INSERT"]
    # (the SELECT after the read asks the booking gates, booking.hooks: the ballot's and the
    # waiting list's, in one statement)
    assert data[: 4 + len(insert)] == ["WITH", "SELECT", take, "SELECT", *insert], statements
    # (run inline here), never a deferred field's load.
    deferred_loads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith(('SELECT "venues_venue".', 'SELECT "auth_user".'))
    ]
    assert deferred_loads == []


def test_booking_goes_through_while_the_throttle_s_redis_is_down(resident, court, settings):
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"booking_create": "30/min", "auth": "20/min"},
    }
    slot = SlotFactory(resource=court)
    assert send(SHORT, token=token_for(resident), body={"slot": slot.pk}).status_code == 201
