"""Events and registrations as calendar entries: rows → `common.ical.FeedItem`s.

The public feeds show events (`event_feed_items`), the personal feed a resident's registrations
(`registration_feed_items`), each with the one aggregate query that versions it
(`event_feed_state`, `registration_feed_state`): the fields an entry shows and the timestamps
its version follows are listed side by side here. The querysets come from
`events/feed_selectors.py`; the views (api/views/calendar.py) serve the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models

from common.feeds import (
    FeedSite,
    FeedState,
    geo,
    get_feed_state,
    items_from_rows,
    newest,
)
from common.ical import STATUS_CANCELLED, STATUS_CONFIRMED, STATUS_TENTATIVE, FeedItem
from events.models import Event, Registration
from venues.feeds import VENUE_FIELDS, venue_geo, venue_location
from venues.models import Venue

_EVENT_FIELDS = (
    "id",
    "uid",
    *Event.CALENDAR_FIELDS,
    "last_ends_at",
    "status",
    "status_reason",
    "sequence",
    "created_at",
    "updated_at",
    *VENUE_FIELDS,
)

# Registrations: the event's fields under "event__", plus the registration's own.
_REGISTRATION_FIELDS = (
    "uid",
    "status",
    "sequence",
    "created_at",
    "updated_at",
    *(f"event__{field}" for field in _EVENT_FIELDS),
)

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
_ICAL_STATUS: dict[str, str] = {
    Event.Status.PUBLISHED: STATUS_CONFIRMED,
    Event.Status.POSTPONED: STATUS_TENTATIVE,
    Event.Status.CANCELLED: STATUS_CANCELLED,
}


# --- public feeds ---------------------------------------------------------------------------


def event_feed_state(events: models.QuerySet[Event]) -> FeedState:
    """The version of a feed of `events` (one aggregate query)."""
    # Any venue edit (a rename shows in LOCATION) counts as a change: the newest of all venues
    # is one small lookup, much cheaper than joining every event to its venue.
    return get_feed_state(events, newest_of=(Venue.objects.values("updated_at"),))


def event_feed_items(events: models.QuerySet[Event], site: FeedSite) -> Iterator[FeedItem]:
    """One entry per event; a row that cannot be made an entry is logged and left out."""
    # values() skips model instances: about 3x faster for a 10,000-row feed.
    rows = events.values(*_EVENT_FIELDS).iterator(chunk_size=2000)
    return items_from_rows(rows, event_item, site)


def venue_feed_name(*, venue_id: int) -> str | None:
    """The name of a venue's event feed, or None when there is no such venue."""
    venue = Venue.objects.filter(pk=venue_id).values("name_zh", "name_en").first()
    if venue is None:
        return None
    venue_name = " ".join(filter(None, [venue["name_zh"], venue["name_en"]]))
    # Parsers read the calendar name unescaped: keep ASCII , ; \ out of it.
    venue_name = venue_name.translate({ord(","): "，", ord(";"): "；", ord("\\"): "/"})
    return f"{venue_name} 活动 events"


def event_item(row: dict[str, Any], site: FeedSite) -> FeedItem:
    """An event row (`_EVENT_FIELDS`) as its entry in the public feeds."""
    return _event_feed_item(
        row,
        site,
        uid=f"event-{row['uid']}@{site.host}",
        status=row["status"],
        sequence=row["sequence"],
        last_modified=newest(row["updated_at"], row["venue__updated_at"]),
        created=row["created_at"],
    )


# --- the personal feed's registrations ------------------------------------------------------


def registration_feed_state(registrations: models.QuerySet[Registration]) -> FeedState:
    """The version of the registrations in a personal feed (one aggregate query)."""
    return get_feed_state(
        registrations,
        updated_fields=("updated_at", "event__updated_at", "event__venue__updated_at"),
    )


def registration_feed_items(
    registrations: models.QuerySet[Registration], site: FeedSite
) -> Iterator[FeedItem]:
    """One entry per event: the newest registration (rows come oldest first per event).

    A resident who cancelled and registered again sees only the new registration; the old
    entry leaves the feed instead of lingering as a second, cancelled copy of the event.
    """
    newest_per_event: dict[int, dict[str, Any]] = {}
    for row in registrations.values(*_REGISTRATION_FIELDS):
        newest_per_event[row["event__id"]] = row
    return items_from_rows(newest_per_event.values(), registration_item, site)


def registration_item(row: dict[str, Any], site: FeedSite) -> FeedItem:
    """A registration row (`_REGISTRATION_FIELDS`) as its entry in the personal feed."""
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
        last_modified=newest(
            row["updated_at"], row["event__updated_at"], row["event__venue__updated_at"]
        ),
        created=row["created_at"],
        prefix="event__",
        note=note,
    )


# --- the entry of an event, for both ---------------------------------------------------------


def _event_feed_item(
    row: dict[str, Any],
    site: FeedSite,
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
        location = venue_location(row, p)
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
        # The event's own point (a trail head), else its venue's.
        geo=geo(row[p + "latitude"], row[p + "longitude"]) or venue_geo(row, p),
        url=url,
        rrule=rrule,
        exdates=exdates,
        categories=(_CATEGORY_LABELS.get(row[p + "category"], row[p + "category"]),),
        created=created,
    )


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
