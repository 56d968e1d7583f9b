"""Reads behind the event feeds: which events and registrations a feed shows.

A feed shows what overlaps a bounded window (`common.feeds.feed_window`) and keeps cancelled
items for `common.feeds.CANCELLED_RETENTION` so that subscribers learn about the cancellation
before the item goes. What the public may see is decided by `events.selectors`; this module adds
the window and the personal feed's registrations as a queryset. events/feeds.py turns the rows
into calendar entries and versions them.
"""

from __future__ import annotations

from django.db import models

from common.feeds import CANCELLED_RETENTION, FeedWindow, cancelled_since
from events import selectors
from events.models import Event, Registration


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
    since = window.now - CANCELLED_RETENTION
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
