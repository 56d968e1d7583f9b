"""The event lifecycle: which commands an event's state allows, and the commands themselves.

draft → publish → published, or → pending_approval when a district admin must approve first
(approve → published); published → postponed → publish again; any → cancelled (final).

Approval rule: publishing needs a district admin's approval when the event is at a public venue
(`venue` set) or its organisation is not approved yet, unless the event was approved before or
the publisher is a district admin (is_staff). Events at a free location (a mountain path, a
park) by an approved organisation are published directly.

The predicates (`can_publish`, `allowed_actions`, ...) are pure, over an Event row, no queries:
the commands check them under the event's row lock, and the organiser console reads them to
offer a button only when its command can succeed. The commands own their transactions
(`common.transactions.bounded_atomic`; lock order: event row, then registration rows); every
change a calendar subscriber sees bumps the event's `sequence`. A lock wait that times out
stays a database error here (the API answers it 503 `busy`), unlike a registration's
EventBusyError: an organiser's command is never part of a rush.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from common import transactions
from events import locking, registrations, selectors
from events.exceptions import (
    ApprovalRequiredError,
    CapacityBelowRegistrationsError,
    EventCancelledError,
    EventEndedError,
    EventNotFoundError,
    InvalidEventError,
    InvalidStatusTransitionError,
    NotAdminError,
    NotOrganiserError,
    UnknownOrganisationError,
)
from events.models import Event, Organisation
from events.validation import EDITABLE_FIELDS, SUBSCRIBER_VISIBLE_FIELDS, clean_event_fields

User = Any  # the project's user model instance

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


# --- commands -------------------------------------------------------------------------------


def create_event(
    *,
    by_user: User,
    organisation_id: int | None = None,
    title_zh: str,
    category: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    venue_id: int | None = None,
    location_zh: str = "",
    location_en: str = "",
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    rrule: str = "",
    exdates: list[str] | None = None,
    registration_opens_at: dt.datetime | None = None,
    registration_closes_at: dt.datetime | None = None,
    capacity: int | None = None,
    waitlist_enabled: bool = True,
    price: Decimal | str | int = Decimal("0.00"),
    image_url: str = "",
    links: list[dict[str, str]] | None = None,
) -> Event:
    """Create a draft event for an organisation the user belongs to.

    `organisation_id` may be left out when the user belongs to exactly one organisation.
    Invariants: ends after it starts; a venue or a free location; a valid RRULE whose exception
    dates are occurrences of it; never public until published.

    Raises UnknownOrganisationError, NotOrganiserError, InvalidEventError, InvalidTimeRangeError,
    NaiveDatetimeError, UnknownCategoryError, UnknownVenueError, InvalidRRuleError,
    InvalidExdatesError.
    """
    organisation = _organisation_for(by_user=by_user, organisation_id=organisation_id)
    values = clean_event_fields(
        {
            "title_zh": title_zh,
            "title_en": title_en,
            "description_zh": description_zh,
            "description_en": description_en,
            "category": category,
            "venue_id": venue_id,
            "location_zh": location_zh,
            "location_en": location_en,
            "latitude": latitude,
            "longitude": longitude,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "rrule": rrule,
            "exdates": exdates or [],
            "registration_opens_at": registration_opens_at,
            "registration_closes_at": registration_closes_at,
            "capacity": capacity,
            "waitlist_enabled": waitlist_enabled,
            "price": price,
            "image_url": image_url,
            "links": links or [],
        }
    )
    return Event.objects.create(
        organisation=organisation,
        created_by=by_user,
        status=Event.Status.DRAFT,
        is_demo=organisation.is_demo,
        **values,
    )


def update_event(
    *,
    event_id: Any,
    by_user: User,
    changes: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Event:
    """Change an event's editable fields (see events.validation.EDITABLE_FIELDS).

    Invariants: the same checks as create_event on the merged result; once published, every
    change a calendar subscriber sees bumps `sequence` once (and `updated_at`); capacity never
    drops below the confirmed places, and a raised capacity promotes the waiting list at once;
    a published event moves to a (different) public venue only through a district admin.

    Raises EventNotFoundError, NotOrganiserError, EventCancelledError, InvalidEventError,
    ApprovalRequiredError, CapacityBelowRegistrationsError, and the validation errors of
    create_event.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidEventError(fields={name: ["Unknown or read-only field."] for name in unknown})
    now = now or timezone.now()
    with transactions.bounded_atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if event.status == Event.Status.CANCELLED:
            raise EventCancelledError(_("A cancelled event cannot be changed."))
        current = {name: getattr(event, name) for name in EDITABLE_FIELDS}
        merged = {**current, **changes}
        if "rrule" in changes and not changes["rrule"] and "exdates" not in changes:
            merged["exdates"] = []  # no longer recurring: its exception dates go with the rule
        cleaned = clean_event_fields(merged)
        changed = [
            name
            for name, value in cleaned.items()
            if getattr(event, name) != value and name not in ("last_starts_at", "last_ends_at")
        ]
        if not changed:
            return event
        if (
            "venue_id" in changed
            and cleaned["venue_id"] is not None
            and event.status in (Event.Status.PUBLISHED, Event.Status.POSTPONED)
            and not by_user.is_staff
        ):
            raise ApprovalRequiredError(
                _("Moving a published event to a public venue needs a district admin."),
                fields={"venue": ["Ask a district admin to change the venue."]},
            )
        if cleaned["capacity"] is not None and cleaned["capacity"] < event.registered_count:
            raise CapacityBelowRegistrationsError(
                extra={"registered_count": event.registered_count}
            )
        capacity_grew = "capacity" in changed and (
            cleaned["capacity"] is None
            or (event.capacity is not None and cleaned["capacity"] > event.capacity)
        )
        for name, value in cleaned.items():
            setattr(event, name, value)
        fields = [*changed, "last_starts_at", "last_ends_at", "updated_at"]
        if event.published_at and SUBSCRIBER_VISIBLE_FIELDS.intersection(changed):
            event.sequence += 1
            fields.append("sequence")
        # update_fields keeps registered_count out of the write: only conditional UPDATEs own it.
        event.save(update_fields=fields)
        if capacity_grew and event.status in (Event.Status.PUBLISHED, Event.Status.POSTPONED):
            registrations.promote_waitlist_locked(event_id=event.pk, now=now)
    return _reload(event.pk)


def publish_event(*, event_id: Any, by_user: User, now: dt.datetime | None = None) -> Event:
    """Publish a draft (or re-publish a postponed event), or submit it for approval.

    See the module docstring for when approval is needed; the event then waits as
    pending_approval and stays invisible to residents. Re-publishing bumps `sequence`.

    Raises EventNotFoundError, NotOrganiserError, EventCancelledError, EventEndedError,
    InvalidStatusTransitionError.
    """
    now = now or timezone.now()
    with transactions.bounded_atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if event.status == Event.Status.CANCELLED:
            raise EventCancelledError()
        if event.status not in PUBLISHABLE_STATUSES:
            raise InvalidStatusTransitionError(
                _("An event that is “%(status)s” cannot be published.")
                % {"status": event.get_status_display()},
                extra={"status": event.status},
            )
        if is_over(event, now=now):
            raise EventEndedError(_("The event is over; it cannot be published."))
        needs_approval = (
            event.approved_at is None
            and not by_user.is_staff
            and (event.venue_id is not None or not event.organisation.is_approved)
        )
        fields = ["status", "updated_at"]
        if needs_approval:
            event.status = Event.Status.PENDING_APPROVAL
        else:
            if by_user.is_staff and event.approved_at is None:
                event.approved_by, event.approved_at = by_user, now
                fields += ["approved_by", "approved_at"]
            _make_published(event, now=now, fields=fields)
        event.save(update_fields=fields)
    return _reload(event.pk)


def approve_event(*, event_id: Any, by_user: User, now: dt.datetime | None = None) -> Event:
    """Approve an event awaiting approval: it is published at once (district admins only).

    Raises NotAdminError, EventNotFoundError, InvalidStatusTransitionError.
    """
    if not (by_user.is_authenticated and by_user.is_staff):
        raise NotAdminError()
    now = now or timezone.now()
    with transactions.bounded_atomic():
        event = locking.lock_event(event_id)
        if event.status != Event.Status.PENDING_APPROVAL:
            raise InvalidStatusTransitionError(
                _("The event is not awaiting approval."),
                extra={"status": event.status},
            )
        event.approved_by, event.approved_at = by_user, now
        fields = ["status", "approved_by", "approved_at", "updated_at"]
        _make_published(event, now=now, fields=fields)
        event.save(update_fields=fields)
    return _reload(event.pk)


def postpone_event(
    *,
    event_id: Any,
    by_user: User,
    reason: str = "",
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Event:
    """Postpone a published event, optionally to new times; registrations are kept.

    New registrations pause until the organiser publishes it again. Bumps `sequence`.

    Raises EventNotFoundError, NotOrganiserError, EventCancelledError,
    InvalidStatusTransitionError, InvalidTimeRangeError and the other date validation errors.
    """
    now = now or timezone.now()
    with transactions.bounded_atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if event.status == Event.Status.CANCELLED:
            raise EventCancelledError()
        if not can_postpone(event):
            raise InvalidStatusTransitionError(
                _("Only a published event can be postponed."),
                extra={"status": event.status},
            )
        fields = ["status", "status_reason", "sequence", "updated_at"]
        if starts_at is not None or ends_at is not None:
            current = {name: getattr(event, name) for name in EDITABLE_FIELDS}
            new_times = {k: v for k, v in (("starts_at", starts_at), ("ends_at", ends_at)) if v}
            cleaned = clean_event_fields({**current, **new_times})
            for name in ("starts_at", "ends_at", "last_starts_at", "last_ends_at"):
                setattr(event, name, cleaned[name])
            fields += ["starts_at", "ends_at", "last_starts_at", "last_ends_at"]
        event.status = Event.Status.POSTPONED
        event.status_reason = _reason(reason)
        event.sequence += 1
        event.save(update_fields=fields)
    return _reload(event.pk)


def cancel_event(
    *, event_id: Any, by_user: User, reason: str = "", now: dt.datetime | None = None
) -> Event:
    """Cancel an event for good. Registrations are kept so residents learn of it.

    A cancelled event that had been published stays in lists and feeds (STATUS:CANCELLED);
    one that never was stays hidden. Bumps `sequence` when it had been published.

    Raises EventNotFoundError, NotOrganiserError, EventCancelledError.
    """
    now = now or timezone.now()
    with transactions.bounded_atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if not can_cancel(event):
            raise EventCancelledError(_("The event is already cancelled."))
        event.status = Event.Status.CANCELLED
        event.status_reason = _reason(reason)
        event.cancelled_at = now
        fields = ["status", "status_reason", "cancelled_at", "updated_at"]
        if event.published_at:
            event.sequence += 1
            fields.append("sequence")
        event.save(update_fields=fields)
    return _reload(event.pk)


# --- helpers --------------------------------------------------------------------------------


def _organisation_for(*, by_user: User, organisation_id: Any) -> Organisation:
    if organisation_id in (None, ""):
        ids = selectors.organisation_ids_of(user=by_user)
        if len(ids) != 1:
            raise InvalidEventError(
                fields={"organisation": ["Required: the id of your organisation."]}
            )
        organisation_id = ids.pop()
    organisation_pk = selectors.parse_pk(organisation_id)
    try:
        if organisation_pk is None:
            raise Organisation.DoesNotExist
        organisation = Organisation.objects.get(pk=organisation_pk)
    except Organisation.DoesNotExist as exc:
        raise UnknownOrganisationError(
            fields={"organisation": [f"No organisation {organisation_id}."]}
        ) from exc
    if not selectors.is_organiser(user=by_user, organisation_id=organisation.pk):
        raise NotOrganiserError()
    return organisation


def _get_managed_event(*, event_id: Any, by_user: User, lock: bool) -> Event:
    """The event, if `by_user` manages it: 404 when they may not even see it, else 403."""
    pk = selectors.parse_pk(event_id)
    if pk is None:
        raise EventNotFoundError()
    event = locking.lock_event(pk) if lock else Event.objects.filter(pk=pk).first()
    if event is None:
        raise EventNotFoundError()
    if selectors.is_organiser(user=by_user, organisation_id=event.organisation_id):
        return event
    if not selectors.visible_events(viewer=by_user).filter(pk=pk).exists():
        raise EventNotFoundError()
    raise NotOrganiserError()


def _make_published(event: Event, *, now: dt.datetime, fields: list[str]) -> None:
    if event.published_at is None:
        event.published_at = now
        fields.append("published_at")
    else:
        # Back from postponed: subscribers must see the change.
        event.sequence += 1
        fields.append("sequence")
    event.status = Event.Status.PUBLISHED
    if event.status_reason:
        event.status_reason = ""
        fields.append("status_reason")


def _reason(reason: Any) -> str:
    if reason is None:
        return ""
    if not isinstance(reason, str) or len(reason.strip()) > 300:
        raise InvalidEventError(fields={"reason": ["Text of at most 300 characters."]})
    return reason.strip()


def _reload(pk: int) -> Event:
    return Event.objects.select_related("organisation", "venue").get(pk=pk)
