"""Which lifecycle commands an event's state allows: the one rule the services enforce and the
organiser console shows (a button is offered only when its command can succeed).

Pure predicates over an Event row, no queries. events.services checks them under the event's
row lock; frontend pages read them to decide which buttons to render.
"""

import datetime as dt

from django.utils import timezone

from events.models import Event

# Draft → publish (or → pending_approval); a postponed event is published again.
PUBLISHABLE_STATUSES = frozenset({Event.Status.DRAFT, Event.Status.POSTPONED})
# A published event is postponed; a postponed one may be postponed again to new times.
POSTPONABLE_STATUSES = frozenset({Event.Status.PUBLISHED, Event.Status.POSTPONED})


def is_over(event: Event, *, now: dt.datetime) -> bool:
    """Whether the event's last occurrence has ended (an open-ended series never is)."""
    return event.last_ends_at is not None and event.last_ends_at <= now


def can_publish(event: Event, *, now: dt.datetime) -> bool:
    """Publish (or submit for approval): a draft or postponed event that is not over."""
    return event.status in PUBLISHABLE_STATUSES and not is_over(event, now=now)


def can_postpone(event: Event) -> bool:
    """Postpone: a published or already postponed event."""
    return event.status in POSTPONABLE_STATUSES


def can_cancel(event: Event) -> bool:
    """Cancel: any event not cancelled yet (cancelling is final)."""
    return event.status != Event.Status.CANCELLED


def allowed_actions(event: Event, *, now: dt.datetime | None = None) -> frozenset[str]:
    """The organiser commands the event's state allows: a subset of publish/postpone/cancel."""
    now = now or timezone.now()
    checks = {
        "publish": can_publish(event, now=now),
        "postpone": can_postpone(event),
        "cancel": can_cancel(event),
    }
    return frozenset(name for name, allowed in checks.items() if allowed)
