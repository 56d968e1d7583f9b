"""Bad input to every /api/ and /calendar/ route: a 4xx in the error shape, never a 500.

Tables of hostile values (issue 12, "Low"): JSON nested 100,000 levels deep on every write,
dates at the far ends of the calendar and odd page numbers on every list, control characters in
path tokens, and a quick fuzz of every field of every write body. Each answer must be JSON
`{"code", "detail", ...}` with a 4xx status (or a success), never Django's HTML 500 page.
"""

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from booking import services
from checkin.gates import issue_gate_device
from events import registrations
from tests.api.events_helpers import event_body, organiser_with_org
from tests.factories import EventFactory, SlotFactory

pytestmark = pytest.mark.django_db

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
# Parses (Python's json recurses in C), but nests far deeper than any request of the API.
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000


@pytest.fixture
def world(resident, court, staff_user, venue):  # type: ignore[no-untyped-def]
    """A booking, an event with a registration, a gate, and an API token for each user."""
    organiser, organisation = organiser_with_org()
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    event = EventFactory(organisation=organisation, rrule="FREQ=WEEKLY;COUNT=5")
    _device, gate = issue_gate_device(venue=venue, name="东门 East gate")
    registration = registrations.register(event_id=event.pk, resident=resident).registration
    tokens = {
        name: Token.objects.create(user=user).key
        for name, user in (("resident", resident), ("staff", staff_user), ("org", organiser))
    }
    return {
        "slot": SlotFactory(resource=court),
        "booking": booking,
        "event": event,
        "registration": registration,
        "gate": gate,
        "tokens": tokens,
    }


def call(
    world: dict[str, Any],
    method: str,
    path: str,
    *,
    as_: str | None = None,
    body: Any = None,
    raw: str | None = None,
) -> Any:
    client = Client(raise_request_exception=False)
    headers: dict[str, str] = {}
    if as_ == "gate":
        headers["HTTP_AUTHORIZATION"] = f"Gate {world['gate']}"
    elif as_ is not None:
        headers["HTTP_AUTHORIZATION"] = f"Token {world['tokens'][as_]}"
    if method == "GET":
        return client.get(path, **headers)  # type: ignore[arg-type]
    data = raw if raw is not None else json.dumps(body if body is not None else {})
    return client.generic(method, path, data, content_type="application/json", **headers)


def assert_coded_error(response: Any, *statuses: int) -> dict[str, Any]:
    """A JSON error body with a code and the expected status (any 4xx when none given)."""
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body: dict[str, Any] = response.json()
    if statuses:
        assert response.status_code in statuses, body
    if response.status_code >= 400:
        assert isinstance(body.get("code"), str) and body["code"], body
        assert isinstance(body.get("detail"), str), body
    return body


# --- deeply nested JSON on every write endpoint -------------------------------------------------

WRITES: list[tuple[str, str, str | None, int]] = [
    # (method, path with {booking}/{event}/{registration}, who, status): 400 where the view
    # reads its body; the commands that take no body ignore it.
    ("POST", "/api/v1/bookings/", "resident", 400),  # the short path of a rush, then DRF's
    ("POST", "/api/v1/bookings/{booking}/cancel/", "resident", 200),
    ("POST", "/api/v1/bookings/{booking}/pay/", "resident", 400),
    ("POST", "/api/v1/checkins/", "staff", 400),
    ("POST", "/api/v1/checkins/", "gate", 400),
    ("POST", "/api/v1/events/", "org", 400),
    ("PATCH", "/api/v1/events/{event}/", "org", 400),
    ("POST", "/api/v1/events/{event}/postpone/", "org", 400),
    ("POST", "/api/v1/events/{event}/cancel/", "org", 400),
    ("POST", "/api/v1/events/{event}/registrations/", "resident", 400),
    ("POST", "/api/v1/registrations/{registration}/cancel/", "resident", 200),
    ("POST", "/api/v1/registrations/{registration}/pay/", "resident", 400),
    ("POST", "/api/v1/payments/stripe/webhook/", None, 400),
    ("POST", "/api/v1/auth/token/", None, 400),
]


def _path(world: dict[str, Any], template: str) -> str:
    return template.format(
        booking=world["booking"].pk,
        event=world["event"].pk,
        registration=world["registration"].pk,
    )


@pytest.mark.parametrize("raw", [DEEP_ARRAY, DEEP_OBJECT], ids=["array-100k", "object-5k"])
@pytest.mark.parametrize(("method", "template", "who", "status"), WRITES)
def test_deeply_nested_json_is_a_coded_400(world, method, template, who, status, raw):  # type: ignore[no-untyped-def]
    response = call(world, method, _path(world, template), as_=who, raw=raw)

    body = assert_coded_error(response, status)
    webhook = template == "/api/v1/payments/stripe/webhook/"
    if status == 400 and not webhook and (raw is DEEP_ARRAY or who is not None):
        # The webhook checks its signature first; the token view (DRF's parser) reads the
        # 5,000-deep object and refuses its fields.
        assert body["code"] == "malformed_request", body


def test_moderately_nested_json_still_reaches_the_view(world):  # type: ignore[no-untyped-def]
    """The bound is on nesting, not on size: a normal body is read as before."""
    body = event_body(links=[{"label": "报名 Sign up", "url": "https://example.org/"}])
    response = call(world, "POST", "/api/v1/events/", as_="org", body=body)
    assert response.status_code == 201, response.json()


# --- far-fetched dates, page numbers and ids in query strings ------------------------------------

FAR_DATES = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "1999-12-31",
    "2101-01-01",
    "99999999999999999999",
    "-1",
]
FAR_MOMENTS = [
    *FAR_DATES,
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00-12:00",
    "0001-01-01T00:00:00+14:00",
]
BAD_PAGES = ["999999999999999999999", "0", "-1", "1.5", "abc", "\x00", "１"]
BAD_PAGE_SIZES = ["0", "-1", "1e3", "abc", "99999999999999999999", "2.5", "\x00"]
LISTS = [
    "/api/v1/venues/",
    "/api/v1/slots/",
    "/api/v1/events/",
    "/api/v1/bookings/",
    "/api/v1/registrations/",
    "/api/v1/events/{event}/registrations/",
]

QUERY_TABLE: list[tuple[str, str, list[str], str | None]] = [
    # (path, parameter, values, who); every value must be a coded 400
    ("/api/v1/venues/", "available_on", FAR_DATES, None),
    ("/api/v1/venues/{venue}/availability/", "date", FAR_DATES, None),
    ("/api/v1/venues/{venue}/availability/", "days", ["0", "-1", "99999999999999999999"], None),
    ("/api/v1/slots/", "date", FAR_DATES, None),
    ("/api/v1/slots/", "venue", ["99999999999999999999", "-1", "x"], None),
    ("/api/v1/events/", "starts_after", FAR_MOMENTS, None),
    ("/api/v1/events/", "starts_before", FAR_MOMENTS, None),
    ("/api/v1/events/", "venue", ["99999999999999999999", "-1", "x"], None),
    ("/api/v1/bookings/", "venue", ["99999999999999999999", "x"], "resident"),
    ("/api/v1/bookings/", "status", ["\x00", "x"], "resident"),
    *[(path, "page", BAD_PAGES, "org") for path in LISTS],
    *[(path, "page_size", BAD_PAGE_SIZES, "org") for path in LISTS],
]


@pytest.mark.parametrize(
    ("template", "param", "values", "who"),
    QUERY_TABLE,
    ids=[f"{row[0]}?{row[1]}" for row in QUERY_TABLE],
)
def test_far_fetched_query_values_are_coded_400s(world, venue, template, param, values, who):  # type: ignore[no-untyped-def]
    path = template.format(venue=venue.pk, event=world["event"].pk)
    for value in values:
        response = call(world, "GET", f"{path}?{param}={quote(value)}", as_=who)
        assert response.status_code == 400, (value, response.content[:300])
        assert_coded_error(response, 400)


def test_a_page_past_the_last_is_a_coded_404(world):  # type: ignore[no-untyped-def]
    response = call(world, "GET", "/api/v1/events/?page=999999")
    assert assert_coded_error(response, 404)["code"] == "not_found"


def test_page_sizes_over_the_limit_give_the_limit(world):  # type: ignore[no-untyped-def]
    response = call(world, "GET", "/api/v1/events/?page_size=1000&page=1")
    assert response.status_code == 200
    response = call(world, "GET", "/api/v1/events/?page=last")
    assert response.status_code == 200


def test_dates_inside_the_range_still_work(world, venue):  # type: ignore[no-untyped-def]
    for path in (
        "/api/v1/events/?starts_after=2000-01-01&starts_before=2100-12-31",
        "/api/v1/events/?starts_before=2100-12-31T23:59:59%2B08:00",
        f"/api/v1/venues/{venue.pk}/availability/?date=2100-12-31&days=14",
        "/api/v1/slots/?date=2000-01-01",
    ):
        assert call(world, "GET", path).status_code == 200, path


# --- control characters and junk in path tokens and ids ------------------------------------------

PATH_VALUES = [
    "%00",
    "a%00b",
    "%0a",
    "%0d%0a",
    "%E2%80%AE",
    "%C3%A9",
    "%FF",
    "%EF%BC%91",  # a full-width 1
    "-1",
    "0",
    "1.5",
    "99999999999999999999",
    "9223372036854775808",
    "x" * 300,
    "A" * 20 + "%00",  # the length of a real feed token, with a NUL
    "A" * 42 + "%0a",
    "A" * 42 + "%E4%B8%AD",
]
PATH_TEMPLATES = [
    ("GET", "/calendar/me/{}.ics"),
    ("GET", "/calendar/venues/{}.ics"),
    ("GET", "/api/v1/venues/{}/"),
    ("GET", "/api/v1/venues/{}/availability/"),
    ("GET", "/api/v1/slots/{}/"),
    ("GET", "/api/v1/bookings/{}/"),
    ("GET", "/api/v1/bookings/{}/qr.svg"),
    ("GET", "/api/v1/bookings/{}/payment/"),
    ("POST", "/api/v1/bookings/{}/cancel/"),
    ("POST", "/api/v1/bookings/{}/no-show/"),
    ("GET", "/api/v1/events/{}/"),
    ("PATCH", "/api/v1/events/{}/"),
    ("POST", "/api/v1/events/{}/publish/"),
    ("GET", "/api/v1/events/{}/registrations/"),
    ("POST", "/api/v1/registrations/{}/cancel/"),
    ("GET", "/api/v1/registrations/{}/payment/"),
    ("POST", "/api/v1/strikes/{}/waive/"),
    ("GET", "/api/{}"),
]


@pytest.mark.parametrize(("method", "template"), PATH_TEMPLATES)
def test_junk_in_path_tokens_and_ids_is_a_coded_404_or_400(world, method, template):  # type: ignore[no-untyped-def]
    for value in PATH_VALUES:
        response = call(world, method, template.format(value), as_="staff")
        assert response.status_code in (400, 404), (value, response.status_code)
        assert_coded_error(response)


# --- a quick fuzz of every field of every JSON write ---------------------------------------------

ODD_VALUES: list[Any] = [
    2**64,
    -(2**63) - 1,
    -1,
    0,
    1.5,
    1e308,
    "x",
    "\x00",
    "９",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00",
    None,
    True,
    [],
    {},
    [[1]],
    {"a": None},
    "x" * 5000,
]


def _future(days: int, hours: int = 0) -> str:
    base = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    return (base + dt.timedelta(days=days, hours=hours)).isoformat()


def _bodies(world: dict[str, Any], venue_id: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    event_fields = {
        **event_body(),
        "venue": venue_id,
        "rrule": "FREQ=WEEKLY;COUNT=3",
        "exdates": [],
        "registration_opens_at": _future(1),
        "registration_closes_at": _future(2),
        "waitlist_enabled": True,
        "price": "0.00",
        "image_url": "",
        "links": [{"label": "a", "url": "https://example.org/"}],
    }
    return [
        ("POST", "/api/v1/bookings/", "resident", {"slot": world["slot"].pk, "party_size": 1}),
        ("POST", "/api/v1/checkins/", "staff", {"code": "x"}),
        ("POST", "/api/v1/checkins/", "gate", {"code": "x"}),
        ("POST", "/api/v1/events/", "org", event_fields),
        ("PATCH", "/api/v1/events/{event}/", "org", {**event_fields, "venue": None}),
        (
            "POST",
            "/api/v1/events/{event}/postpone/",
            "org",
            {"reason": "r", "starts_at": _future(9), "ends_at": _future(9, 2)},
        ),
        ("POST", "/api/v1/events/{event}/cancel/", "org", {"reason": "r"}),
        ("POST", "/api/v1/events/{event}/registrations/", "resident", {"party_size": 1}),
        ("POST", "/api/v1/bookings/{booking}/pay/", "resident", {"payment_method": "pm_x"}),
        ("POST", "/api/v1/auth/token/", None, {"username": "alice", "password": "pass-12345"}),
    ]


@pytest.mark.parametrize("index", range(10))
def test_odd_values_in_every_field_are_refused_in_the_error_shape(world, venue, index):  # type: ignore[no-untyped-def]
    method, template, who, valid = _bodies(world, venue.pk)[index]
    path = _path(world, template)
    for raw in ("null", "[]", '"text"', "1", "{", '{"a": NaN}', "\ufeff{}", '{"x": "\\ud800"}'):
        assert_coded_error(call(world, method, path, as_=who, raw=raw))
    for field in valid:
        for value in ODD_VALUES:
            response = call(world, method, path, as_=who, body={**valid, field: value})
            assert response.status_code < 500, (field, value, response.content[:300])
            assert_coded_error(response)
    assert_coded_error(call(world, method, path, as_=who, body={**valid, "\x00": 1}))


def test_a_refused_body_leaves_the_next_request_working(world):  # type: ignore[no-untyped-def]
    call(world, "POST", "/api/v1/bookings/", as_="resident", raw=DEEP_ARRAY)
    response = call(
        world, "POST", "/api/v1/bookings/", as_="resident", body={"slot": world["slot"].pk}
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("key", ["\x00" * 40, "abc\x00def", "é" * 40, "A" * 5000])
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/v1/bookings/"), ("POST", "/api/v1/bookings/")]
)
def test_a_token_header_with_junk_is_a_coded_401(world, method, path, key):  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    if method == "GET":
        response = client.get(path, **header)  # type: ignore[arg-type]
    else:
        response = client.post(path, "{}", content_type="application/json", **header)  # type: ignore[arg-type]
    assert_coded_error(response, 401)
