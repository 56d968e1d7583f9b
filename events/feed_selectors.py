"""Reads behind the iCal feeds: which events and registrations a feed shows, and its version.

A feed shows what overlaps a bounded window (see `feed_window`) and keeps cancelled items for
`CANCELLED_KEPT_DAYS` so that subscribers learn about the cancellation before the item goes.
What the public may see is decided by `events.selectors`; this module adds the window, the
personal feed's registrations as a queryset, and the feeds' state.
`get_feed_state` answers "has this feed changed?" with one aggregate query over the very queryset
the feed is built from, so a conditional GET (ETag / If-Modified-Since) costs no rendering.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from events import selectors
from events.models import Event, Registration

CANCELLED_KEPT_DAYS = selectors.FEED_CANCELLED_RETENTION.days
PAST_DAYS = 30
FUTURE_DAYS = 366


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


def list_public_events_for_feed(
    *, window: FeedWindow, categories: tuple[str, ...] = (), venue_id: int | None = None
) -> models.QuerySet[Event]:
    """Public events overlapping the window, for the public feeds (see events.selectors).

    The visibility rule is events.selectors' (drafts and events awaiting approval never
    appear; cancelled ones stay for 30 days); this adds several categories at once.
    """
    events = selectors.list_public_events_for_feed(
        venue_id=venue_id, window_start=window.start, window_end=window.end, now=window.now
    )
    if categories:
        events = events.filter(category__in=categories)
    return events


def list_registrations_for_personal_feed(
    *, user_id: int, window: FeedWindow
) -> models.QuerySet[Registration]:
    """A resident's confirmed registrations, and those cancelled in the last 30 days.

    Only for public events overlapping the window (a cancelled event only if it had been
    published and was cancelled in the last 30 days). Waiting-list places are left out: the
    resident has no place yet. Several rows may belong to one event (cancelled, then registered
    again); newest last. Ordered by the event's start.
    """
    since = window.now - dt.timedelta(days=CANCELLED_KEPT_DAYS)
    registration_shown = models.Q(status=Registration.Status.CONFIRMED) | (
        models.Q(status=Registration.Status.CANCELLED) & models.Q(cancelled_since(since))
    )
    event_shown = models.Q(event__status__in=[Event.Status.PUBLISHED, Event.Status.POSTPONED]) | (
        models.Q(event__status=Event.Status.CANCELLED, event__published_at__isnull=False)
        & models.Q(cancelled_since(since, "event__"))
    )
    overlapping = models.Q(event__starts_at__lt=window.end) & (
        models.Q(event__last_ends_at__isnull=True) | models.Q(event__last_ends_at__gt=window.start)
    )
    return (
        Registration.objects.filter(resident_id=user_id)
        .filter(registration_shown, event_shown, overlapping)
        .order_by("event__starts_at", "event_id", "id")
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
