"""iCal feeds under /calendar/: public event feeds and a resident's personal feed.

Each view parses its input, asks the domain feeds for the feed's state (one aggregate query per
kind of row), answers a conditional repeat with 304 straight away, and otherwise has the rows
turned into calendar entries (events/feeds.py, booking/feeds.py) and written by
`common.feeds.build_feed`; bodies are kept by ETag (common/feeds.py), so a big feed is built once.

Plain Django views, not DRF: a calendar client negotiates nothing, and these are hot paths.
Errors keep the API's shape, `{"code", "detail"}` as JSON.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from api.exceptions import domain_error_parts
from booking import feeds as booking_feeds
from booking import selectors as booking_selectors
from common import feeds
from common.errors import DomainError
from common.ical import render_vtimezone
from common.urls import site_base
from events import feed_selectors
from events import feeds as event_feeds
from events import selectors as event_selectors
from events.exceptions import FeedNotFoundError, InvalidFeedFilterError
from events.models import Event

CACHE_CONTROL_PUBLIC = "public, max-age=300"
CACHE_CONTROL_PERSONAL = "private, max-age=300"
CONTENT_TYPE = "text/calendar; charset=utf-8"

_FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}", re.ASCII)
# icalendar needs 15-130 ms for the VTIMEZONE: pay it when the URLconf loads (in gunicorn's
# master with preload_app), not in a subscriber's first request.
render_vtimezone()


def _feed_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A feed view: read-only (csrf_exempt, so that another method is a 405, not the CSRF
    check's 403 page), and a DomainError answers in the API's error shape."""

    @functools.wraps(view)
    def answer(request: HttpRequest, *args: str, **kwargs: str) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return _error(exc)

    return csrf_exempt(require_safe(answer))


@_feed_view
def events_feed(request: HttpRequest) -> HttpResponse:
    """All public events; `?category=race,tennis` and `?venue=<id>` narrow it."""
    categories = _parse_categories(request.GET.getlist("category"))
    venue_id = _parse_venue_id(request.GET.get("venue"), source="query")
    name = "罗湖体育与文化活动 Luohu events"
    return _public_feed(request, name=name, categories=categories, venue_id=venue_id)


@_feed_view
def venue_feed(request: HttpRequest, venue_id: str) -> HttpResponse:
    """One venue's public events."""
    venue_pk = _parse_venue_id(venue_id, source="path") or 0
    categories = _parse_categories(request.GET.getlist("category"))
    return _public_feed(request, name=None, categories=categories, venue_id=venue_pk)


@_feed_view
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A resident's confirmed bookings and registrations, behind a rotatable secret token."""
    # Real tokens are 43 base64url characters; anything else (a NUL, a line feed, non-ASCII,
    # which PostgreSQL may refuse in a query) is unknown without asking the database.
    if not _FEED_TOKEN.fullmatch(token):
        raise FeedNotFoundError()
    user = event_selectors.get_feed_token_user(token=token)
    if user is None:
        raise FeedNotFoundError()
    window = feeds.feed_window(now=timezone.now())
    bookings = booking_selectors.list_resident_bookings_for_feed(user_id=user.pk, window=window)
    registrations = feed_selectors.list_registrations_for_personal_feed(
        user_id=user.pk, window=window
    )
    states = (
        booking_feeds.booking_feed_state(bookings),
        event_feeds.registration_feed_state(registrations),
    )
    site = feeds.FeedSite(site_base(request))
    etag = feeds.feed_etag("me", token, site, window, *states)
    last_modified = feeds.feed_last_modified(window, *states)
    headers = _headers(etag, last_modified, CACHE_CONTROL_PERSONAL, "my-luohu.ics")
    not_modified = _not_modified(request, etag, last_modified, headers)
    if not_modified is not None:
        return not_modified

    def build() -> bytes:
        items = list(booking_feeds.booking_feed_items(bookings, site))
        items += event_feeds.registration_feed_items(registrations, site)
        items.sort(key=lambda item: (item.starts_at, item.uid))
        return feeds.build_feed(
            items,
            name="我的罗湖体育日程 My Luohu sports",
            description="您的场地预约与活动报名。Your venue bookings and event registrations.",
        )

    return _calendar_response(feeds.cached_feed(etag, build), headers)


def _public_feed(
    request: HttpRequest,
    *,
    name: str | None,
    categories: tuple[str, ...],
    venue_id: int | None,
) -> HttpResponse:
    window = feeds.feed_window(now=timezone.now())
    events = feed_selectors.list_public_events_for_feed(
        window=window, categories=categories, venue_id=venue_id
    )
    state = event_feeds.event_feed_state(events)
    venue_name: str | None = None
    if venue_id is not None and state.count == 0:
        # An empty feed may be a mistyped venue: 404 rather than an empty 200.
        venue_name = _venue_feed_name(venue_id)
    key = f"events|{','.join(categories)}|{venue_id or ''}"
    site = feeds.FeedSite(site_base(request))
    etag = feeds.feed_etag(key, "", site, window, state)
    last_modified = feeds.feed_last_modified(window, state)
    filename = f"luohu-venue-{venue_id}.ics" if name is None else "luohu-events.ics"
    headers = _headers(etag, last_modified, CACHE_CONTROL_PUBLIC, filename)
    not_modified = _not_modified(request, etag, last_modified, headers)
    if not_modified is not None:
        return not_modified

    def build() -> bytes:
        return feeds.build_feed(
            event_feeds.event_feed_items(events, site),
            name=name or venue_name or _venue_feed_name(venue_id or 0),
            description="罗湖区公共体育与文化活动。Public sports and culture events in Luohu.",
            source_url=site.url + request.get_full_path(),
        )

    return _calendar_response(feeds.cached_feed(etag, build), headers)


def _venue_feed_name(venue_id: int) -> str:
    name = event_feeds.venue_feed_name(venue_id=venue_id)
    if name is None:
        raise FeedNotFoundError(gettext("The venue does not exist."), code="venue_not_found")
    return name


# --- input --------------------------------------------------------------------------------------


def _parse_categories(values: list[str]) -> tuple[str, ...]:
    wanted: set[str] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if part not in Event.Category.values:
                raise InvalidFeedFilterError(
                    f"未知的活动类别 “{part}”。Unknown category {part!r}; one of "
                    f"{', '.join(Event.Category.values)}.",
                    code="unknown_category",
                    fields={"category": [f"Unknown category {part!r}."]},
                )
            wanted.add(part)
    return tuple(sorted(wanted))


def _parse_venue_id(value: str | None, *, source: str) -> int | None:
    if value is None or (source == "query" and value == ""):
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise InvalidFeedFilterError(
            gettext("The venue id must be a positive whole number."),
            code="invalid_venue",
            fields={"venue": ["Must be a positive whole number."]},
        )
    return int(value)


# --- HTTP plumbing ------------------------------------------------------------------------------


def _headers(etag: str, last_modified: int, cache_control: str, filename: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Cache-Control": cache_control,
        "Content-Disposition": f'inline; filename="{filename}"',
    }


def _not_modified(
    request: HttpRequest, etag: str, last_modified: int, headers: dict[str, str]
) -> HttpResponse | None:
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        return None
    for name in ("ETag", "Last-Modified", "Cache-Control"):
        response[name] = headers[name]
    return response


def _calendar_response(body: bytes, headers: dict[str, str]) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name] = value
    return response


def _error(exc: DomainError) -> JsonResponse:
    status, body, _ = domain_error_parts(exc)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
