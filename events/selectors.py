"""Reads of the events app: what each viewer may see, registrations, and the feeds' inputs.

Visibility (one rule, used by every list and detail):
- everybody sees published and postponed events, and cancelled ones that had been published;
- members of the organising Organisation also see its drafts and events awaiting approval;
- district admins (is_staff) also see events awaiting approval (to moderate them), never drafts.
"""

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.feeds import CANCELLED_RETENTION
from events.exceptions import (
    EventNotFoundError,
    NotOrganiserError,
    UnknownCategoryError,
    UnknownStatusError,
)
from events.models import CalendarFeedToken, Event, EventQuerySet, Organisation, Registration
from venues.models import Venue

MAX_QUERY_LENGTH = 100

Viewer = Any  # a User or AnonymousUser
MAX_PK = 2**63 - 1  # PostgreSQL bigint


def parse_pk(value: Any) -> int | None:
    """An id from a URL or body as an int, or None when it cannot be one of ours."""
    if isinstance(value, bool):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return pk if 1 <= pk <= MAX_PK else None


def public_q() -> Q:
    """Events residents may see; a cancelled draft never became public and stays hidden."""
    return Event.public_condition()


def visible_events(*, viewer: Viewer) -> EventQuerySet:
    """Every event `viewer` may see (see the module docstring for the rule)."""
    condition = public_q()
    if viewer is not None and viewer.is_authenticated:
        if viewer.is_staff:
            condition |= Q(status=Event.Status.PENDING_APPROVAL)
        # A subquery rather than a join: joining members would repeat public rows per member.
        condition |= Q(
            organisation_id__in=Organisation.members.through.objects.filter(
                user_id=viewer.pk
            ).values("organisation_id")
        )
    return Event.objects.filter(condition)


def is_organiser(*, user: Viewer, organisation_id: int) -> bool:
    """Whether `user` is a member of the organisation (and so manages its events)."""
    if user is None or not user.is_authenticated:
        return False
    return Organisation.members.through.objects.filter(
        user_id=user.pk, organisation_id=organisation_id
    ).exists()


def organisation_ids_of(*, user: Viewer) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return set(
        Organisation.members.through.objects.filter(user_id=user.pk).values_list(
            "organisation_id", flat=True
        )
    )


def list_events(
    *,
    viewer: Viewer,
    category: str | None = None,
    venue: int | None = None,
    starts_after: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    q: str | None = None,
    status: str | None = None,
) -> EventQuerySet:
    """List the events `viewer` may see, filtered, in order of (first) start.

    `starts_after` keeps events with an occurrence starting at or after it (an open-ended series
    always qualifies); `starts_before` keeps events whose first occurrence starts before it.
    A status filter never widens visibility: a stranger asking for drafts gets none.

    Raises UnknownCategoryError, UnknownStatusError.
    """
    events = visible_events(viewer=viewer)
    if category:
        if category not in Event.Category.values:
            raise UnknownCategoryError(fields={"category": [f"Unknown category {category!r}."]})
        events = events.filter(category=category)
    if status:
        if status not in Event.Status.values:
            raise UnknownStatusError(fields={"status": [f"Unknown status {status!r}."]})
        events = events.filter(status=status)
    if venue is not None:
        events = events.filter(venue_id=venue)
    if starts_after is not None:
        events = events.filter(Q(last_starts_at__isnull=True) | Q(last_starts_at__gte=starts_after))
    if starts_before is not None:
        events = events.filter(starts_at__lt=starts_before)
    if q:
        text = q.strip()[:MAX_QUERY_LENGTH]
        events = events.filter(
            Q(title_zh__icontains=text)
            | Q(title_en__icontains=text)
            | Q(description_zh__icontains=text)
            | Q(description_en__icontains=text)
            | Q(location_zh__icontains=text)
            | Q(location_en__icontains=text)
            | Q(organisation__name_zh__icontains=text)
            | Q(organisation__name_en__icontains=text)
            | Q(venue__name_zh__icontains=text)
            | Q(venue__name_en__icontains=text)
        )
    return _with_related(events, viewer=viewer).order_by("starts_at", "id")


def get_event(*, event_id: Any, viewer: Viewer) -> Event:
    """Return one event `viewer` may see.

    Raises EventNotFoundError, also for events that exist but are hidden from the viewer (a draft
    never leaks, not even its existence).
    """
    pk = parse_pk(event_id)
    if pk is None:
        raise EventNotFoundError()
    event = _with_related(visible_events(viewer=viewer), viewer=viewer).filter(pk=pk).first()
    if event is None:
        raise EventNotFoundError()
    return event


def list_registrations(
    *, event_id: Any, viewer: Viewer, status: str | None = None
) -> QuerySet[Registration]:
    """List an event's registrations for its organisers: confirmed first, then the waiting list.

    Without `status`, cancelled registrations are left out. District admins may read them too.

    Raises EventNotFoundError (also for events hidden from the viewer), NotOrganiserError.
    """
    event = get_event(event_id=event_id, viewer=viewer)
    if not (viewer.is_staff or is_organiser(user=viewer, organisation_id=event.organisation_id)):
        raise NotOrganiserError()
    registrations = Registration.objects.filter(event_id=event.pk)
    if status:
        if status not in Registration.Status.values:
            raise UnknownStatusError(fields={"status": [f"Unknown status {status!r}."]})
        registrations = registrations.filter(status=status)
    else:
        registrations = registrations.active()
    order = Case(
        When(status=Registration.Status.CONFIRMED, then=Value(0)),
        When(status=Registration.Status.HELD, then=Value(0)),
        When(status=Registration.Status.WAITLISTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return with_waitlist_position(registrations).select_related("resident").order_by(order, "id")


def list_resident_registrations(
    *, user: Viewer, status: str | None = None
) -> QuerySet[Registration]:
    """List a resident's own registrations (with their events), soonest event first.

    Raises UnknownStatusError.
    """
    registrations = Registration.objects.filter(resident_id=user.pk)
    if status:
        if status not in Registration.Status.values:
            raise UnknownStatusError(fields={"status": [f"Unknown status {status!r}."]})
        registrations = registrations.filter(status=status)
    return (
        with_waitlist_position(registrations)
        .select_related("event__organisation", "event__venue")
        .order_by("event__starts_at", "event_id", "id")
    )


def with_waitlist_position(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotate `position`: 1 for the head of the waiting list; None unless waitlisted."""
    ahead = (
        Registration.objects.filter(
            event_id=OuterRef("event_id"),
            status=Registration.Status.WAITLISTED,
            id__lt=OuterRef("id"),
        )
        .order_by()
        .values("event_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return registrations.annotate(
        position=Case(
            When(
                status=Registration.Status.WAITLISTED,
                then=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + 1,
            ),
            default=None,
            output_field=IntegerField(),
        )
    )


def waitlist_position(*, registration: Registration) -> int | None:
    """The registration's place on the waiting list (1 = next to be promoted), or None."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id,
        status=Registration.Status.WAITLISTED,
        id__lt=registration.pk,
    ).count()
    return ahead + 1


# --- inputs of the iCal feeds (events/feed_selectors.py, events/feeds.py) -------------------


def list_public_events_for_feed(
    *,
    category: str | None = None,
    venue_id: int | None = None,
    window_start: dt.datetime,
    window_end: dt.datetime,
    now: dt.datetime | None = None,
) -> EventQuerySet:
    """List the public events that may occur in [window_start, window_end), for a public feed.

    Published and postponed events, plus cancelled ones changed in the last 30 days (so that
    subscribers see STATUS:CANCELLED before the entry disappears). Drafts and events awaiting
    approval never appear. Organisation and venue are fetched in the same query (no N+1).

    Raises UnknownCategoryError.
    """
    now = now or timezone.now()
    if category and category not in Event.Category.values:
        raise UnknownCategoryError(fields={"category": [f"Unknown category {category!r}."]})
    events = Event.objects.filter(
        Q(status__in=[Event.Status.PUBLISHED, Event.Status.POSTPONED])
        | Q(
            status=Event.Status.CANCELLED,
            published_at__isnull=False,
            updated_at__gte=now - CANCELLED_RETENTION,
        )
    ).overlapping(window_start, window_end)
    if category:
        events = events.filter(category=category)
    if venue_id is not None:
        events = events.filter(venue_id=venue_id)
    return events.select_related("organisation", "venue").order_by("starts_at", "id")


def get_feed_token_user(*, token: str) -> Any | None:
    """Return the active user whose personal feed token this is, or None."""
    if not 16 <= len(token) <= 64:  # real tokens are 43 characters: no query for junk
        return None
    row = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    return row.user if row else None


def _with_related(events: EventQuerySet, *, viewer: Viewer) -> EventQuerySet:
    events = events.select_related("organisation", "venue")
    if viewer is not None and not isinstance(viewer, AnonymousUser) and viewer.is_authenticated:
        events = events.prefetch_related(
            Prefetch(
                "registrations",
                queryset=with_waitlist_position(
                    Registration.objects.filter(resident_id=viewer.pk).active()
                ),
                to_attr="viewer_registrations",
            )
        )
    return events


def list_organisation_events(*, viewer: Viewer, organisation_ids: set[int]) -> EventQuerySet:
    """Every event of these organisations that `viewer` may see (drafts too, for their
    members), with organisation and venue, latest start first (the organiser console)."""
    return (
        visible_events(viewer=viewer)
        .filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "venue")
        .order_by("-starts_at", "-id")
    )


def list_organisations(*, ids: set[int]) -> QuerySet[Organisation]:
    """The organisations with these ids (a member's, from `organisation_ids_of`)."""
    return Organisation.objects.filter(pk__in=ids)


def list_event_venues() -> QuerySet[Venue]:
    """Active venues that have at least one event (the calendar's venue filter)."""
    return Venue.objects.filter(is_active=True, events__isnull=False).distinct()


def get_own_registration(*, user: Viewer, registration_id: int) -> Registration | None:
    """A resident's own registration with its event; None for anybody else's or a missing one."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Registration.objects.select_related("event")
        .filter(pk=registration_id, resident_id=user.pk)
        .first()
    )
