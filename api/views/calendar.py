"""iCal feeds under /calendar/: public event feeds and a resident's personal feed.

Each view parses its input, asks the feed selectors for the feed's state (one aggregate query),
answers a conditional repeat with 304 straight away, and otherwise turns rows into
`common.ical.FeedItem`s and calls `build_calendar`. Rendered VEVENTs are kept per process until
their item changes, and the last bodies are kept by ETag, so a big feed is built once.

Plain Django views, not DRF: a calendar client negotiates nothing, and these are hot paths.
Errors keep the API's shape, `{"code", "detail"}` as JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from api.exceptions import DOMAIN_STATUS, error_body
from booking import selectors as booking_selectors
from booking.models import Booking
from common.bytecache import BoundedBytesCache
from common.errors import DomainError, InvalidInputError, NotFoundError
from common.urls import site_base, site_host
from events import feed_selectors
from events import selectors as event_selectors
from events.feed_selectors import FeedState, FeedWindow
from common.ical import (
    STATUS_CANCELLED,
    STATUS_CONFIRMED,
    STATUS_TENTATIVE,
    FeedItem,
    VEventCache,
    build_calendar,
    render_vtimezone,
)
from events.models import Event, Registration
from venues.models import Venue

# Bump when the feed's layout changes, so every client's cached copy becomes stale.
FEED_FORMAT = "1"
CACHE_CONTROL_PUBLIC = "public, max-age=300"
CACHE_CONTROL_PERSONAL = "private, max-age=300"
CONTENT_TYPE = "text/calendar; charset=utf-8"

logger = logging.getLogger(__name__)
_FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}", re.ASCII)
_VEVENTS = VEventCache(maxsize=25_000)
# icalendar needs 15-130 ms for the VTIMEZONE: pay it when the URLconf loads (in gunicorn's
# master with preload_app), not in a subscriber's first request.
render_vtimezone()


class FeedInputError(InvalidInputError):
    code = "invalid_feed_filter"


class FeedNotFoundError(NotFoundError):
    code = "feed_not_found"
    default_detail = "日历订阅不存在。This calendar feed does not exist."


_BODIES = BoundedBytesCache(max_bytes=48 * 1024 * 1024)


def clear_caches() -> None:
    """Forget rendered VEVENTs and bodies (tests; nothing else needs it)."""
    _VEVENTS.clear()
    _BODIES.clear()


# --- views --------------------------------------------------------------------------------------


@require_safe
def events_feed(request: HttpRequest) -> HttpResponse:
    """All public events; `?category=race,tennis` and `?venue=<id>` narrow it."""
    try:
        categories = _parse_categories(request.GET.getlist("category"))
        venue_id = _parse_venue_id(request.GET.get("venue"), source="query")
        name = "罗湖体育与文化活动 Luohu events"
        return _public_feed(request, name=name, categories=categories, venue_id=venue_id)
    except DomainError as exc:
        return _error(exc)


@require_safe
def venue_feed(request: HttpRequest, venue_id: str) -> HttpResponse:
    """One venue's public events."""
    try:
        venue_pk = _parse_venue_id(venue_id, source="path") or 0
        categories = _parse_categories(request.GET.getlist("category"))
        return _public_feed(request, name=None, categories=categories, venue_id=venue_pk)
    except DomainError as exc:
        return _error(exc)


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A resident's confirmed bookings and registrations, behind a rotatable secret token."""
    try:
        # Real tokens are 43 base64url characters; anything else (a NUL, a line feed, non-ASCII,
        # which PostgreSQL may refuse in a query) is unknown without asking the database.
        if not _FEED_TOKEN.fullmatch(token):
            raise FeedNotFoundError()
        user = event_selectors.get_feed_token_user(token=token)
        if user is None:
            raise FeedNotFoundError()
        user_id = user.pk
        window = feed_selectors.feed_window(now=timezone.now())
        bookings = booking_selectors.list_resident_bookings_for_feed(user_id=user_id, window=window)
        registrations = feed_selectors.list_registrations_for_personal_feed(
            user_id=user_id, window=window
        )
        booking_state = feed_selectors.get_feed_state(
            bookings, updated_fields=("updated_at", "venue__updated_at")
        )
        registration_state = feed_selectors.get_feed_state(
            registrations,
            updated_fields=("updated_at", "event__updated_at", "event__venue__updated_at"),
        )
        site = _site(request)
        etag = _etag("me", token, site, window, booking_state, registration_state)
        last_modified = _last_modified(window, booking_state, registration_state)
        headers = _headers(etag, last_modified, CACHE_CONTROL_PERSONAL, "my-luohu.ics")
        not_modified = _not_modified(request, etag, last_modified, headers)
        if not_modified is not None:
            return not_modified
        body = _BODIES.get(etag)
        if body is None:
            items = list(_items(_booking_rows(bookings), _booking_item, site))
            items += _items(_registration_rows(registrations), _registration_item, site)
            items.sort(key=lambda item: (item.starts_at, item.uid))
            body = build_calendar(
                items,
                name="我的罗湖体育日程 My Luohu sports",
                description="您的场地预约与活动报名。Your venue bookings and event registrations.",
                cache=_VEVENTS,
                skip_invalid=True,
            )
            _BODIES.put(etag, body)
        return _calendar_response(body, headers)
    except DomainError as exc:
        return _error(exc)


# --- public feeds -------------------------------------------------------------------------------


def _public_feed(
    request: HttpRequest,
    *,
    name: str | None,
    categories: tuple[str, ...],
    venue_id: int | None,
) -> HttpResponse:
    window = feed_selectors.feed_window(now=timezone.now())
    events = feed_selectors.list_public_events_for_feed(
        window=window, categories=categories, venue_id=venue_id
    )
    # Any venue edit (a rename shows in LOCATION) counts as a change: the newest of all venues
    # is one small lookup, much cheaper than joining every event to its venue.
    state = feed_selectors.get_feed_state(events, newest_of=(Venue.objects.values("updated_at"),))
    venue: dict[str, Any] | None = None
    if venue_id is not None and state.count == 0:
        # An empty feed may be a mistyped venue: 404 rather than an empty 200.
        venue = _venue_names(venue_id)
    key = f"events|{','.join(categories)}|{venue_id or ''}"
    site = _site(request)
    etag = _etag(key, "", site, window, state)
    last_modified = _last_modified(window, state)
    filename = f"luohu-venue-{venue_id}.ics" if name is None else "luohu-events.ics"
    headers = _headers(etag, last_modified, CACHE_CONTROL_PUBLIC, filename)
    not_modified = _not_modified(request, etag, last_modified, headers)
    if not_modified is not None:
        return not_modified
    body = _BODIES.get(etag)
    if body is None:
        if name is None:
            venue = venue or _venue_names(venue_id or 0)
            venue_name = " ".join(filter(None, [venue["name_zh"], venue["name_en"]]))
            # Parsers read the calendar name unescaped: keep ASCII , ; \ out of it.
            venue_name = venue_name.translate({ord(","): "，", ord(";"): "；", ord("\\"): "/"})
            name = f"{venue_name} 活动 events"
        body = build_calendar(
            _items(_event_rows(events), _event_item, site),
            name=name or "罗湖活动 Luohu events",
            description="罗湖区公共体育与文化活动。Public sports and culture events in Luohu.",
            source_url=site.url + request.get_full_path(),
            cache=_VEVENTS,
            skip_invalid=True,
        )
        _BODIES.put(etag, body)
    return _calendar_response(body, headers)


def _venue_names(venue_id: int) -> dict[str, Any]:
    venue = Venue.objects.filter(pk=venue_id).values("name_zh", "name_en").first()
    if venue is None:
        raise FeedNotFoundError("场馆不存在。The venue does not exist.", code="venue_not_found")
    return dict(venue)


# --- input --------------------------------------------------------------------------------------


def _parse_categories(values: list[str]) -> tuple[str, ...]:
    wanted: set[str] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if part not in Event.Category.values:
                raise FeedInputError(
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
        raise FeedInputError(
            "场馆编号须为正整数。The venue id must be a positive whole number.",
            code="invalid_venue",
            fields={"venue": ["Must be a positive whole number."]},
        )
    return int(value)


# --- rows → items -------------------------------------------------------------------------------


def _items(
    rows: Iterable[dict[str, Any]],
    build: Callable[[dict[str, Any], _Site], FeedItem],
    site: _Site,
) -> Iterator[FeedItem]:
    """`build(row, site)` for each row; a row that cannot be made an item is logged and left
    out (build_calendar does the same for an item that cannot be rendered), so that one bad
    stored row never takes the other entries or the whole feed down."""
    for row in rows:
        try:
            yield build(row, site)
        except Exception:
            logger.exception("Left a row out of a calendar feed: %s", row.get("uid"))


class _Site:
    """The base of the feed's links (URL, SOURCE, the links in DESCRIPTION) and UIDs' host."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.host = site_host(url)


def _site(request: HttpRequest) -> _Site:
    # SITE_URL, else the scheme and host:port this request reached (common/urls.py).
    return _Site(site_base(request))


# What a VEVENT shows of its venue (location, geo) and what its LAST-MODIFIED follows.
_VENUE_FIELDS = (
    "venue__name_zh",
    "venue__name_en",
    "venue__address_zh",
    "venue__latitude",
    "venue__longitude",
    "venue__updated_at",
)

_EVENT_FIELDS = (
    "id",
    "uid",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "category",
    "location_zh",
    "location_en",
    "latitude",
    "longitude",
    "starts_at",
    "ends_at",
    "rrule",
    "exdates",
    "last_ends_at",
    "status",
    "status_reason",
    "sequence",
    "created_at",
    "updated_at",
    *_VENUE_FIELDS,
)


def _event_rows(queryset: models.QuerySet[Event]) -> Iterable[dict[str, Any]]:
    # values() skips model instances: about 3x faster for a 10,000-row feed.
    return queryset.values(*_EVENT_FIELDS).iterator(chunk_size=2000)


_CATEGORY_LABELS = {
    "race": "赛事 Race",
    "esports": "电竞 Esports",
    "tennis": "网球 Tennis",
    "dance": "舞蹈 Dance",
    "mind_sports": "智力运动 Mind sports",
    "fitness": "全民健身 Fitness",
    "culture": "文化 Culture",
    "other": "其他 Other",
}
_STATUS_PREFIX: dict[str, str] = {
    Event.Status.CANCELLED: "【已取消 Cancelled】",
    Event.Status.POSTPONED: "【延期 Postponed】",
}


def _event_item(row: dict[str, Any], site: _Site) -> FeedItem:
    return _event_feed_item(
        row,
        site,
        uid=f"event-{row['uid']}@{site.host}",
        status=row["status"],
        sequence=row["sequence"],
        last_modified=_newest(row["updated_at"], row["venue__updated_at"]),
        created=row["created_at"],
    )


def _event_feed_item(
    row: dict[str, Any],
    site: _Site,
    *,
    uid: str,
    status: str,
    sequence: int,
    last_modified: dt.datetime,
    created: dt.datetime | None,
    prefix: str = "",
    note: str = "",
) -> FeedItem:
    p = prefix
    url = f"{site.url}/events/{row[p + 'id']}/"
    title = row[p + "title_zh"] or row[p + "title_en"]
    title_en = row[p + "title_en"] if row[p + "title_en"] != title else ""
    description = [part for part in (note, row[p + "description_zh"]) if part]
    if title_en or row[p + "description_en"]:
        description.append("\n".join(filter(None, [title_en, row[p + "description_en"]])))
    if status in _STATUS_PREFIX and row[p + "status_reason"]:
        description.insert(0, row[p + "status_reason"])
    description.append(f"详情 Details: {url}")
    location = row[p + "location_zh"] or row[p + "location_en"]
    if not location and row[p + "venue__name_zh"]:
        location = row[p + "venue__name_zh"]
        if row[p + "venue__address_zh"]:
            location = f"{location}（{row[p + 'venue__address_zh']}）"
    lat, lon = row[p + "latitude"], row[p + "longitude"]
    if lat is None or lon is None:
        lat, lon = row[p + "venue__latitude"], row[p + "venue__longitude"]
    rrule = row[p + "rrule"]
    exdates: tuple[dt.datetime, ...] = ()
    if rrule and row[p + "exdates"]:
        exdates = tuple(_aware_datetimes(row[p + "exdates"]))
    return FeedItem(
        uid=uid,
        summary=_STATUS_PREFIX.get(status, "") + title,
        starts_at=row[p + "starts_at"],
        ends_at=row[p + "ends_at"],
        last_modified=last_modified,
        sequence=sequence,
        status=_ICAL_STATUS[status],
        description="\n\n".join(description),
        location=location,
        geo=(lat, lon) if lat is not None and lon is not None else None,
        url=url,
        rrule=rrule,
        exdates=exdates,
        categories=(_CATEGORY_LABELS.get(row[p + "category"], row[p + "category"]),),
        created=created,
    )


_ICAL_STATUS: dict[str, str] = {
    Event.Status.PUBLISHED: STATUS_CONFIRMED,
    Event.Status.POSTPONED: STATUS_TENTATIVE,
    Event.Status.CANCELLED: STATUS_CANCELLED,
}


def _aware_datetimes(values: Iterable[Any]) -> list[dt.datetime]:
    result = []
    for raw in values:
        try:
            moment = dt.datetime.fromisoformat(str(raw))
        except ValueError:
            continue
        if moment.tzinfo is not None:
            result.append(moment)
    return result


def _newest(*stamps: dt.datetime | None) -> dt.datetime:
    return max(stamp for stamp in stamps if stamp is not None)


# Registrations: the event's fields under "event__", plus the registration's own.
_REGISTRATION_FIELDS = (
    "uid",
    "status",
    "sequence",
    "created_at",
    "updated_at",
    *(f"event__{field}" for field in _EVENT_FIELDS),
)


def _registration_rows(queryset: models.QuerySet[Registration]) -> Iterable[dict[str, Any]]:
    """One row per event: the newest registration (rows come oldest first per event).

    A resident who cancelled and registered again sees only the new registration; the old
    entry leaves the feed instead of lingering as a second, cancelled copy of the event.
    """
    newest: dict[int, dict[str, Any]] = {}
    for row in queryset.values(*_REGISTRATION_FIELDS):
        newest[row["event__id"]] = row
    return newest.values()


def _registration_item(row: dict[str, Any], site: _Site) -> FeedItem:
    event_status = row["event__status"]
    cancelled = (
        row["status"] == Registration.Status.CANCELLED or event_status == Event.Status.CANCELLED
    )
    status = Event.Status.CANCELLED if cancelled else event_status
    note = "您已报名此活动。You are registered for this event."
    if row["status"] == Registration.Status.CANCELLED:
        note = "您的报名已取消。Your registration was cancelled."
    return _event_feed_item(
        row,
        site,
        uid=f"registration-{row['uid']}@{site.host}",
        status=status,
        # Both counters only grow, so their sum grows whenever either side changes.
        sequence=row["sequence"] + row["event__sequence"],
        last_modified=_newest(
            row["updated_at"], row["event__updated_at"], row["event__venue__updated_at"]
        ),
        created=row["created_at"],
        prefix="event__",
        note=note,
    )


# Bookings: until booking.selectors offers a feed selector, the query lives here (api may read
# every domain app; events may not import booking).
_BOOKING_FIELDS = (
    "id",
    "uid",
    "status",
    "starts_at",
    "ends_at",
    "party_size",
    "price",
    "sequence",
    "created_at",
    "updated_at",
    "resource__name_zh",
    "resource__name_en",
    *_VENUE_FIELDS,
)


def _booking_rows(queryset: models.QuerySet[Booking]) -> Iterable[dict[str, Any]]:
    return queryset.values(*_BOOKING_FIELDS)


def _booking_item(row: dict[str, Any], site: _Site) -> FeedItem:
    cancelled = row["status"] == Booking.Status.CANCELLED
    place = " ".join(filter(None, [row["venue__name_zh"], row["resource__name_zh"]]))
    place_en = " ".join(filter(None, [row["venue__name_en"], row["resource__name_en"]]))
    price: Decimal = row["price"]
    lines = [
        f"场地预约 Booking #{row['id']}",
        f"{place}" + (f" / {place_en}" if place_en else ""),
        f"人数 Party size: {row['party_size']}",
        f"费用 Price: ¥{price:.2f}" if price else "免费 Free of charge",
    ]
    if cancelled:
        lines.insert(0, "此预约已取消。This booking was cancelled.")
    url = f"{site.url}/me/bookings/"
    lines.append(f"我的预约 My bookings: {url}")
    location = row["venue__name_zh"]
    if row["venue__address_zh"]:
        location = f"{location}（{row['venue__address_zh']}）"
    lat, lon = row["venue__latitude"], row["venue__longitude"]
    return FeedItem(
        uid=f"booking-{row['uid']}@{site.host}",
        summary=("【已取消 Cancelled】" if cancelled else "") + f"预约：{place}",
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        last_modified=_newest(row["updated_at"], row["venue__updated_at"]),
        sequence=row["sequence"],
        status=STATUS_CANCELLED if cancelled else STATUS_CONFIRMED,
        description="\n".join(lines),
        location=location,
        geo=(lat, lon) if lat is not None and lon is not None else None,
        url=url,
        created=row["created_at"],
    )


# --- HTTP plumbing ------------------------------------------------------------------------------


def _etag(kind: str, secret: str, site: _Site, window: FeedWindow, *states: FeedState) -> str:
    # The base is part of the body (links, UIDs): a feed reached through another host name or
    # port (SITE_URL unset) is another representation, with its own ETag and cached body.
    parts = [FEED_FORMAT, kind, secret, window.day_start.date().isoformat(), site.url]
    for state in states:
        parts.append(str(state.count))
        parts.extend(str(marker) for marker in state.markers)
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _last_modified(window: FeedWindow, *states: FeedState) -> int:
    # The window moves daily: a client revalidating by date alone refetches once a day.
    stamps = [window.day_start] + [s.last_change for s in states if s.last_change is not None]
    return int(max(stamps).timestamp())


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
    status = 400
    for cls, code in DOMAIN_STATUS:
        if isinstance(exc, cls):
            status = code
            break
    return JsonResponse(
        error_body(exc.code, exc.detail, exc.fields, **exc.extra),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
