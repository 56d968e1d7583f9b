"""What every iCal feed shares and that knows no domain: window, version, links and caches.

A feed shows what overlaps a bounded window (`feed_window`) and keeps cancelled items for
`CANCELLED_RETENTION`, so that subscribers learn about the cancellation before the item goes.
`get_feed_state` answers "has this feed changed?" with one aggregate query over the very queryset
the feed is built from, so a conditional GET (ETag / If-Modified-Since) costs no rendering;
`feed_etag` and `feed_last_modified` turn the states into the validators.

Each domain turns its own rows into `common.ical.FeedItem`s (events/feeds.py, booking/feeds.py)
with `items_from_rows`; the calendar views (api/views/calendar.py) combine them into a body with
`build_feed`, kept per process by ETag (`cached_feed`) and with every rendered VEVENT kept until
its item changes, so a big feed is built once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from common.bytecache import BoundedBytesCache
from common.ical import FeedItem, VEventCache, build_calendar
from common.urls import site_host

# Bump when the feed's layout changes, so every client's cached copy becomes stale.
FEED_FORMAT = "1"
# Cancelled items stay in feeds this long after their last change, so that calendar apps
# polling every few hours learn about the cancellation before the item disappears.
CANCELLED_RETENTION = dt.timedelta(days=30)
CANCELLED_KEPT_DAYS = CANCELLED_RETENTION.days
PAST_DAYS = 30
FUTURE_DAYS = 366

logger = logging.getLogger(__name__)

_VEVENTS = VEventCache(maxsize=25_000)
_BODIES = BoundedBytesCache(max_bytes=48 * 1024 * 1024)


# --- window and state -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedWindow:
    """What a feed covers: items ending after `start` and starting before `end`.

    The bounds move once a day (at midnight, Asia/Shanghai), so the window, and with it a feed's
    ETag, stays the same all day. `now` decides which cancelled items are still shown.
    """

    start: dt.datetime
    end: dt.datetime
    day_start: dt.datetime
    now: dt.datetime


@dataclass(frozen=True)
class FeedState:
    """How many rows a feed is built from and when the newest of them changed."""

    count: int
    last_change: dt.datetime | None
    # Extra change markers (e.g. the newest venue edit), compared only for equality.
    markers: tuple[Any, ...] = ()


def feed_window(*, now: dt.datetime) -> FeedWindow:
    """The window of a feed built at `now`: from 30 days ago to a year ahead, by whole days."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = day_start - dt.timedelta(days=PAST_DAYS)
    return FeedWindow(
        start=start, end=day_start + dt.timedelta(days=FUTURE_DAYS), day_start=day_start, now=now
    )


def cancelled_since(since: dt.datetime, prefix: str = "") -> GreaterThanOrEqual:
    """Cancelled at or after `since` (rows without `cancelled_at` use their last change)."""
    return GreaterThanOrEqual(
        Coalesce(f"{prefix}cancelled_at", f"{prefix}updated_at"), models.Value(since)
    )


def get_feed_state(
    queryset: models.QuerySet[Any],
    *,
    updated_fields: tuple[str, ...] = ("updated_at",),
    newest_of: tuple[models.QuerySet[Any], ...] = (),
) -> FeedState:
    """Count the rows of `queryset` and find their newest change, in one aggregate query.

    `updated_fields` are timestamps of each row whose maximum marks a change (the row's own,
    its venue's through a join). `newest_of` are querysets of one timestamp column (e.g. every
    venue's `updated_at`): their newest value joins the markers as an uncorrelated subquery,
    which costs one index or small-table lookup instead of a join per row.
    """
    # The highest id joins the count: a row deleted and another created is still a change.
    aggregates: dict[str, Any] = {"n": models.Count("pk"), "top": models.Max("pk")}
    for index, field in enumerate(updated_fields):
        aggregates[f"m{index}"] = models.Max(field)
    for index, stamps in enumerate(newest_of, start=len(updated_fields)):
        field = stamps.query.values_select[0]
        newest = stamps.order_by(models.F(field).desc(nulls_last=True))[:1]
        aggregates[f"m{index}"] = models.Max(models.Subquery(newest))
    row = queryset.order_by().aggregate(**aggregates)
    maxima = [row[f"m{index}"] for index in range(len(aggregates) - 2)]
    present = [stamp for stamp in maxima if stamp is not None]
    return FeedState(
        count=row["n"],
        last_change=max(present) if present else None,
        markers=(row["top"], *maxima),
    )


# --- validators -----------------------------------------------------------------------------


class FeedSite:
    """The base of a feed's links (URL, SOURCE, the links in DESCRIPTION) and UIDs' host."""

    __slots__ = ("host", "url")

    def __init__(self, url: str) -> None:
        self.url = url
        self.host = site_host(url)


def feed_etag(
    kind: str, secret: str, site: FeedSite, window: FeedWindow, *states: FeedState
) -> str:
    """The strong ETag of one version of a feed: its kind, the day, the base and its states."""
    # The base is part of the body (links, UIDs): a feed reached through another host name or
    # port (SITE_URL unset) is another representation, with its own ETag and cached body.
    parts = [FEED_FORMAT, kind, secret, window.day_start.date().isoformat(), site.url]
    for state in states:
        parts.append(str(state.count))
        parts.extend(str(marker) for marker in state.markers)
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def feed_last_modified(window: FeedWindow, *states: FeedState) -> int:
    """Last-Modified of a feed, as a POSIX timestamp."""
    # The window moves daily: a client revalidating by date alone refetches once a day.
    stamps = [window.day_start] + [s.last_change for s in states if s.last_change is not None]
    return int(max(stamps).timestamp())


# --- rows → items → body --------------------------------------------------------------------


def items_from_rows(
    rows: Iterable[dict[str, Any]],
    build: Callable[[dict[str, Any], FeedSite], FeedItem],
    site: FeedSite,
) -> Iterator[FeedItem]:
    """`build(row, site)` for each row; a row that cannot be made an item is logged and left
    out (build_calendar does the same for an item that cannot be rendered), so that one bad
    stored row never takes the other entries or the whole feed down."""
    for row in rows:
        try:
            yield build(row, site)
        except Exception:
            logger.exception("Left a row out of a calendar feed: %s", row.get("uid"))


def newest(*stamps: dt.datetime | None) -> dt.datetime:
    """The latest of the stamps that are set (an item's LAST-MODIFIED over its joined rows)."""
    return max(stamp for stamp in stamps if stamp is not None)


def geo(lat: Decimal | None, lon: Decimal | None) -> tuple[Decimal, Decimal] | None:
    """A GEO value when both coordinates are known."""
    return (lat, lon) if lat is not None and lon is not None else None


def build_feed(
    items: Iterable[FeedItem], *, name: str, description: str, source_url: str = ""
) -> bytes:
    """The feed's body; each VEVENT rendered once per process until its item changes, and an
    item that cannot be written left out (logged) rather than failing the feed."""
    return build_calendar(
        items,
        name=name,
        description=description,
        source_url=source_url,
        cache=_VEVENTS,
        skip_invalid=True,
    )


def cached_feed(etag: str, build: Callable[[], bytes]) -> bytes:
    """The body of the feed version `etag`: kept from an earlier request, else `build()`."""
    body = _BODIES.get(etag)
    if body is None:
        body = build()
        _BODIES.put(etag, body)
    return body


def clear_caches() -> None:
    """Forget rendered VEVENTs and bodies (tests; nothing else needs it)."""
    _VEVENTS.clear()
    _BODIES.clear()
