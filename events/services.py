"""Writes of the events app: the event lifecycle, registrations with a waiting list, feed tokens.

Lifecycle: draft → publish → published, or → pending_approval when a district admin must approve
first (approve → published); published → postponed → publish again; any → cancelled (final).

Approval rule: publishing needs a district admin's approval when the event is at a public venue
(`venue` set) or its organisation is not approved yet, unless the event was approved before or
the publisher is a district admin (is_staff). Events at a free location (a mountain path, a
park) by an approved organisation are published directly.

Capacity: `Event.registered_count` (places taken: confirmed and held registrations) changes only
through conditional UPDATEs (`registered_count + n <= capacity`), as
`booking.services.place_booking` does with a slot's remaining places; the waiting list is joined
and promoted only under the event's row lock. Lock order everywhere: event row, then
registration rows (booking.payments then locks the payment row).

Paid events (`price > 0`): a registration takes its place as `held` until it is paid
(`hold_expires_at`, settings.BOOKING_HOLD_MINUTES); booking.payments confirms it
(`confirm_registration`) or releases it (`release_registration`, `expire_registration`), which
frees the place and promotes the waiting list like a cancellation. A promotion on a paid event
gives a `held` place too (settings.EVENT_PROMOTION_HOLD_MINUTES to pay). This app never talks to
Stripe: without settings.STRIPE_ENABLED a paid event refuses registrations
(`payment_unavailable`) and promotes nobody.

A promotion owes the resident a notice: an outbox row (`common.notices.owe`) written in the
promoting transaction, sent after the commit by the sender the booking app registered.
"""

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from common import notices
from events import lifecycle, selectors
from events.exceptions import (
    AlreadyRegisteredError,
    ApprovalRequiredError,
    CapacityBelowRegistrationsError,
    EventBusyError,
    EventCancelledError,
    EventEndedError,
    EventFullError,
    EventNotFoundError,
    EventPostponedError,
    InvalidEventError,
    InvalidPartySizeError,
    InvalidStatusTransitionError,
    NotAdminError,
    NotOrganiserError,
    NotPublishedError,
    PartyTooLargeError,
    PaymentUnavailableError,
    RegistrationClosedError,
    RegistrationNotCancellableError,
    RegistrationNotFoundError,
    RegistrationNotOpenError,
    UnknownOrganisationError,
)
from events.models import CalendarFeedToken, Event, Organisation, Registration, new_feed_token
from events.validation import EDITABLE_FIELDS, SUBSCRIBER_VISIBLE_FIELDS, clean_event_fields

logger = logging.getLogger(__name__)

User = Any  # the project's user model instance
LOCK_TIMEOUT = "3s"
DEADLOCK_RETRIES = 3
MAX_PARTY_SIZE = 10


@dataclass(frozen=True)
class RegistrationResult:
    registration: Registration
    position: int | None  # place on the waiting list (1 = next), None when confirmed


# --- events ---------------------------------------------------------------------------------


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
    with _atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if event.status == Event.Status.CANCELLED:
            raise EventCancelledError("已取消的活动不能修改。A cancelled event cannot be changed.")
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
                "已发布活动改到公共场馆需经区管理员审核，请联系管理员。Moving a published event "
                "to a public venue needs a district admin.",
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
            _promote_locked(event_id=event.pk, now=now)
    return _reload(event.pk)


def publish_event(*, event_id: Any, by_user: User, now: dt.datetime | None = None) -> Event:
    """Publish a draft (or re-publish a postponed event), or submit it for approval.

    See the module docstring for when approval is needed; the event then waits as
    pending_approval and stays invisible to residents. Re-publishing bumps `sequence`.

    Raises EventNotFoundError, NotOrganiserError, EventCancelledError, EventEndedError,
    InvalidStatusTransitionError.
    """
    now = now or timezone.now()
    with _atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if event.status == Event.Status.CANCELLED:
            raise EventCancelledError()
        if event.status not in lifecycle.PUBLISHABLE_STATUSES:
            raise InvalidStatusTransitionError(
                f"活动状态为“{event.get_status_display()}”，无法发布。"
                f"An event that is {event.status} cannot be published.",
                extra={"status": event.status},
            )
        if lifecycle.is_over(event, now=now):
            raise EventEndedError(
                "活动已结束，无法发布。The event is over; it cannot be published."
            )
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
    with _atomic():
        event = _locked_event(event_id)
        if event.status != Event.Status.PENDING_APPROVAL:
            raise InvalidStatusTransitionError(
                "该活动不在待审核状态。The event is not awaiting approval.",
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
    with _atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if event.status == Event.Status.CANCELLED:
            raise EventCancelledError()
        if not lifecycle.can_postpone(event):
            raise InvalidStatusTransitionError(
                "只有已发布的活动可以延期。Only a published event can be postponed.",
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
    with _atomic():
        event = _get_managed_event(event_id=event_id, by_user=by_user, lock=True)
        if not lifecycle.can_cancel(event):
            raise EventCancelledError("活动已取消。The event is already cancelled.")
        event.status = Event.Status.CANCELLED
        event.status_reason = _reason(reason)
        event.cancelled_at = now
        fields = ["status", "status_reason", "cancelled_at", "updated_at"]
        if event.published_at:
            event.sequence += 1
            fields.append("sequence")
        event.save(update_fields=fields)
    return _reload(event.pk)


# --- registrations --------------------------------------------------------------------------


def register(
    *,
    event_id: Any,
    resident: User,
    party_size: Any = 1,
    now: dt.datetime | None = None,
) -> RegistrationResult:
    """Register a resident for an event, or put them on its waiting list when it is full.

    A recurring event is registered for as a whole series. Invariants: confirmed places never
    exceed the capacity (the conditional UPDATE of `registered_count` arbitrates, even under a
    rush); one active registration per resident per event (a partial unique constraint); the
    waiting list is joined under the event's row lock, in order of arrival, so that no place is
    ever free while someone who fits it waits.

    Raises InvalidPartySizeError, EventNotFoundError, EventCancelledError, EventPostponedError,
    NotPublishedError, RegistrationNotOpenError, RegistrationClosedError, PartyTooLargeError,
    AlreadyRegisteredError, EventFullError (full and no waiting list), EventBusyError,
    PaymentUnavailableError (a paid event while online payment is off).

    On a paid event the place is taken as `held` until `hold_expires_at`; the caller starts the
    payment after this returns (booking.payments), never inside this transaction.
    """
    now = now or timezone.now()
    size = _party_size(party_size)
    event = selectors.get_event(event_id=event_id, viewer=resident)
    _check_open_for_registration(event, now=now)
    if event.price > 0 and not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()
    if event.capacity is not None and size > event.capacity:
        raise PartyTooLargeError(fields={"party_size": [f"At most {event.capacity}."]})
    existing = (
        Registration.objects.active()
        .filter(event_id=event.pk, resident_id=resident.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        raise AlreadyRegisteredError(extra={"registration_id": existing})

    for attempt in range(DEADLOCK_RETRIES):
        try:
            with _atomic():
                return _insert_registration(event=event, resident=resident, size=size, now=now)
        except IntegrityError as exc:
            if "registration_one_active_per_resident_event" in str(exc) or "UNIQUE" in str(exc):
                raise AlreadyRegisteredError() from exc
            raise
        except OperationalError as exc:
            if _is_deadlock(exc) and attempt + 1 < DEADLOCK_RETRIES:
                logger.warning("deadlock while registering for event %s, retrying", event.pk)
                continue
            if _is_contention(exc):
                raise EventBusyError() from exc
            raise
    raise EventBusyError()  # pragma: no cover - the loop always returns or raises


def cancel_registration(
    *, registration_id: Any, by_user: User, now: dt.datetime | None = None
) -> Registration:
    """Cancel a resident's own registration; a freed place goes to the waiting list at once.

    Invariants: `registered_count` drops by exactly the party of a confirmed or held
    registration; promotion runs in the same transaction, under the event's row lock (lock order:
    event, then registration). A payment is settled by booking.payments after the commit
    (`cancel_registration` there wraps this one).

    Raises RegistrationNotFoundError (also for other people's registrations),
    RegistrationNotCancellableError, EventEndedError, EventBusyError.
    """
    now = now or timezone.now()
    pk = selectors.parse_pk(registration_id)
    if pk is None:
        raise RegistrationNotFoundError()
    row = Registration.objects.filter(pk=pk, resident_id=by_user.pk).values("event_id").first()
    if row is None:
        raise RegistrationNotFoundError()
    try:
        with _atomic():
            event = _locked_event(row["event_id"])
            registration = Registration.objects.select_for_update().get(pk=pk)
            if registration.status == Registration.Status.CANCELLED:
                raise RegistrationNotCancellableError(
                    "报名已取消。The registration is already cancelled."
                )
            if event.last_starts_at is not None and event.last_starts_at <= now:
                raise EventEndedError(
                    "活动已开始，无法取消报名。The event has started; the registration stays."
                )
            had_place = registration.status in Registration.PLACE_STATUSES
            Registration.objects.filter(pk=pk).update(
                status=Registration.Status.CANCELLED,
                cancelled_at=now,
                sequence=F("sequence") + 1,
                updated_at=now,
            )
            if had_place:
                Event.objects.filter(pk=event.pk).update(
                    registered_count=F("registered_count") - registration.party_size
                )
                if event.status in (Event.Status.PUBLISHED, Event.Status.POSTPONED):
                    _promote_locked(event_id=event.pk, now=now)
    except OperationalError as exc:
        if _is_contention(exc):
            raise EventBusyError() from exc
        raise
    return Registration.objects.select_related("event").get(pk=pk)


def promote_waitlist(*, event_id: Any, now: dt.datetime | None = None) -> list[Registration]:
    """Give free places to the waiting list, first come first served; return those promoted.

    A place goes to the earliest waiting registration whose party fits; a larger party further
    up keeps its turn for the next places that fit it. Cancelled events promote nobody.

    Raises EventNotFoundError, EventBusyError.
    """
    now = now or timezone.now()
    try:
        with _atomic():
            event = _locked_event(event_id)
            if event.status not in (Event.Status.PUBLISHED, Event.Status.POSTPONED):
                return []
            return _promote_locked(event_id=event.pk, now=now)
    except OperationalError as exc:
        if _is_contention(exc):
            raise EventBusyError() from exc
        raise


# --- paid registrations (called by booking.payments) ----------------------------------------


def confirm_registration(*, registration_id: int, now: dt.datetime | None = None) -> str:
    """Confirm a held registration whose payment succeeded; return the outcome.

    Idempotent: "confirmed" the first time, "already_confirmed" after, "not_held" when the hold
    was released or cancelled meanwhile (the caller refunds). Runs inside the caller's
    transaction when there is one (booking.payments applies the payment in the same one); locks
    the event row, then the registration row. The place was taken with the hold: nothing else
    changes.

    Raises RegistrationNotFoundError, EventBusyError.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            registration = _lock_registration(registration_id)
            if registration.status == Registration.Status.CONFIRMED:
                return "already_confirmed"
            if registration.status != Registration.Status.HELD:
                return "not_held"
            Registration.objects.filter(pk=registration.pk).update(
                status=Registration.Status.CONFIRMED,
                confirmed_at=now,
                sequence=F("sequence") + 1,
                updated_at=now,
            )
            return "confirmed"
    except OperationalError as exc:
        if _is_contention(exc):
            raise EventBusyError() from exc
        raise


def release_registration(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """Give up a held registration's place (payment failed, canceled or never came).

    held → expired; `registered_count` drops by its party and the waiting list is promoted in
    the same transaction, as a cancellation does. Returns whether this call released it (False
    when it is not held any more: released once, whoever comes second). Runs inside the
    caller's transaction when there is one; locks the event row, then the registration row.

    Raises RegistrationNotFoundError, EventBusyError.
    """
    return _release(registration_id=registration_id, now=now or timezone.now(), due_only=False)


def expire_registration(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """Release a held registration whose hold has ended (`hold_expires_at <= now`).

    Like release_registration, but a hold that is still running (or was extended by a
    promotion) is left alone. Returns whether it expired.

    Raises RegistrationNotFoundError, EventBusyError.
    """
    return _release(registration_id=registration_id, now=now or timezone.now(), due_only=True)


def _release(*, registration_id: int, now: dt.datetime, due_only: bool) -> bool:
    try:
        with transaction.atomic():
            registration = _lock_registration(registration_id)
            if registration.status != Registration.Status.HELD:
                return False
            if due_only and (
                registration.hold_expires_at is None or registration.hold_expires_at > now
            ):
                return False
            Registration.objects.filter(pk=registration.pk).update(
                status=Registration.Status.EXPIRED,
                sequence=F("sequence") + 1,
                updated_at=now,
            )
            Event.objects.filter(pk=registration.event_id).update(
                registered_count=F("registered_count") - registration.party_size
            )
            event_status = registration.event.status
            if event_status in (Event.Status.PUBLISHED, Event.Status.POSTPONED):
                _promote_locked(event_id=registration.event_id, now=now)
            return True
    except OperationalError as exc:
        if _is_contention(exc):
            raise EventBusyError() from exc
        raise


def _lock_registration(registration_id: Any) -> Registration:
    """Lock the registration's event row, then the registration row (the lock order)."""
    pk = selectors.parse_pk(registration_id)
    event_id = (
        Registration.objects.filter(pk=pk).values_list("event_id", flat=True).first()
        if pk is not None
        else None
    )
    if pk is None or event_id is None:
        raise RegistrationNotFoundError()
    event = _locked_event(event_id)
    registration = Registration.objects.select_for_update().get(pk=pk)
    registration.event = event
    return registration


# --- personal feed tokens -------------------------------------------------------------------


def get_or_create_feed_token(*, user: User) -> CalendarFeedToken:
    """Return the user's personal feed token, creating it on first use (one per user)."""
    token = CalendarFeedToken.objects.filter(user_id=user.pk).first()
    if token is not None:
        return token
    try:
        with transaction.atomic():
            return CalendarFeedToken.objects.create(user_id=user.pk)
    except IntegrityError:
        # A concurrent first call created it.
        return CalendarFeedToken.objects.get(user_id=user.pk)


def rotate_feed_token(*, user: User, now: dt.datetime | None = None) -> CalendarFeedToken:
    """Replace the user's feed token with a new secret; the old feed URL stops working at once."""
    now = now or timezone.now()
    with _atomic():
        token, _ = CalendarFeedToken.objects.select_for_update().get_or_create(user_id=user.pk)
        token.token = new_feed_token()
        token.rotated_at = now
        token.save(update_fields=["token", "rotated_at"])
    return token


# --- helpers --------------------------------------------------------------------------------


def _atomic() -> transaction.Atomic:
    return transaction.atomic(durable=True)


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _is_contention(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate in {"40P01", "55P03"} or "database is locked" in str(exc)


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


def _locked_event(event_id: Any) -> Event:
    pk = selectors.parse_pk(event_id)
    if pk is None:
        raise EventNotFoundError()
    _set_lock_timeout()
    try:
        return (
            Event.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=pk)
        )
    except Event.DoesNotExist as exc:
        raise EventNotFoundError() from exc


def _get_managed_event(*, event_id: Any, by_user: User, lock: bool) -> Event:
    """The event, if `by_user` manages it: 404 when they may not even see it, else 403."""
    pk = selectors.parse_pk(event_id)
    if pk is None:
        raise EventNotFoundError()
    event = _locked_event(pk) if lock else Event.objects.filter(pk=pk).first()
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


def _party_size(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        raise InvalidPartySizeError()
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_PARTY_SIZE:
        raise InvalidPartySizeError()
    return value


def _check_open_for_registration(event: Event, *, now: dt.datetime) -> None:
    if event.status == Event.Status.CANCELLED:
        raise EventCancelledError()
    if event.status == Event.Status.POSTPONED:
        raise EventPostponedError()
    if event.status != Event.Status.PUBLISHED:
        raise NotPublishedError()
    if event.registration_opens_at and now < event.registration_opens_at:
        raise RegistrationNotOpenError(
            extra={"opens_at": timezone.localtime(event.registration_opens_at).isoformat()}
        )
    # Without an explicit deadline registration closes when the (last) occurrence starts; an
    # open-ended series stays open.
    closes_at = event.registration_closes_at or event.last_starts_at
    if closes_at is not None and now >= closes_at:
        raise RegistrationClosedError(
            extra={"closed_at": timezone.localtime(closes_at).isoformat()}
        )


def _take_places(*, event_id: int, size: int, price: Decimal) -> bool:
    """The rush arbiter: one statement; a refused attempt matches no row and writes nothing.

    The price read before is part of the condition: a price changed meanwhile refuses, and the
    caller retries under the row lock with the current one (never a paid place for free)."""
    return bool(
        Event.objects.filter(pk=event_id, status=Event.Status.PUBLISHED, price=price)
        .filter(Q(capacity__isnull=True) | Q(registered_count__lte=F("capacity") - size))
        .update(registered_count=F("registered_count") + size)
    )


def _placed(
    *, event_id: int, resident: User, size: int, price: Decimal, now: dt.datetime
) -> Registration:
    """Insert the registration of a place just taken: held until paid when the event costs."""
    if price > 0:
        return Registration.objects.create(
            event_id=event_id,
            resident_id=resident.pk,
            party_size=size,
            amount=price * size,
            status=Registration.Status.HELD,
            hold_expires_at=now + dt.timedelta(minutes=settings.BOOKING_HOLD_MINUTES),
        )
    return Registration.objects.create(
        event_id=event_id,
        resident_id=resident.pk,
        party_size=size,
        status=Registration.Status.CONFIRMED,
        confirmed_at=now,
    )


def _insert_registration(
    *, event: Event, resident: User, size: int, now: dt.datetime
) -> RegistrationResult:
    _set_lock_timeout()
    if _take_places(event_id=event.pk, size=size, price=event.price):
        registration = _placed(
            event_id=event.pk, resident=resident, size=size, price=event.price, now=now
        )
        return RegistrationResult(registration=registration, position=None)
    # Full (or changed): queue under the event's row lock. Promotions take the same lock, so a
    # place freed meanwhile is either taken here (second attempt) or sees this entry in line.
    locked = _locked_event(event.pk)
    if locked.status == Event.Status.CANCELLED:
        raise EventCancelledError()
    if locked.status != Event.Status.PUBLISHED:
        raise (
            EventPostponedError()
            if locked.status == Event.Status.POSTPONED
            else NotPublishedError()
        )
    if locked.price > 0 and not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()
    if _take_places(event_id=event.pk, size=size, price=locked.price):
        registration = _placed(
            event_id=event.pk, resident=resident, size=size, price=locked.price, now=now
        )
        return RegistrationResult(registration=registration, position=None)
    if not locked.waitlist_enabled:
        raise EventFullError(extra={"places_left": locked.places_left})
    registration = Registration.objects.create(
        event_id=event.pk,
        resident_id=resident.pk,
        party_size=size,
        status=Registration.Status.WAITLISTED,
    )
    return RegistrationResult(
        registration=registration,
        position=selectors.waitlist_position(registration=registration),
    )


def _promote_locked(*, event_id: int, now: dt.datetime) -> list[Registration]:
    """Promote waiting registrations into free places; the caller holds the event's row lock.

    On a paid event the promoted get a held place (EVENT_PROMOTION_HOLD_MINUTES to pay, never
    past the (last) start); without online payment nobody is promoted (they keep their turn)."""
    capacity, registered, price, last_starts_at = (
        Event.objects.filter(pk=event_id)
        .values_list("capacity", "registered_count", "price", "last_starts_at")
        .get()
    )
    free = None if capacity is None else capacity - registered
    promoted: list[Registration] = []
    if free is not None and free <= 0:
        return promoted
    if price > 0 and not settings.STRIPE_ENABLED:
        return promoted
    for registration in Registration.objects.filter(event_id=event_id).waitlist():
        if free is not None and registration.party_size > free:
            continue  # first fit: a smaller party further down may take the place
        promoted.append(registration)
        if free is not None:
            free -= registration.party_size
            if free == 0:
                break
    if not promoted:
        return promoted
    total = sum(r.party_size for r in promoted)
    taken = (
        Event.objects.filter(pk=event_id)
        .filter(Q(capacity__isnull=True) | Q(registered_count__lte=F("capacity") - total))
        .update(registered_count=F("registered_count") + total)
    )
    if not taken:  # pragma: no cover - impossible under the row lock; refuse rather than oversell
        raise EventFullError()
    if price > 0:
        hold_until = now + dt.timedelta(minutes=settings.EVENT_PROMOTION_HOLD_MINUTES)
        if last_starts_at is not None and now < last_starts_at < hold_until:
            hold_until = last_starts_at
        for registration in promoted:
            registration.status = Registration.Status.HELD
            registration.amount = price * registration.party_size
            registration.hold_expires_at = hold_until
            registration.promoted_at = now
            Registration.objects.filter(pk=registration.pk).update(
                status=Registration.Status.HELD,
                amount=registration.amount,
                hold_expires_at=hold_until,
                promoted_at=now,
                sequence=F("sequence") + 1,
                updated_at=now,
            )
    else:
        Registration.objects.filter(pk__in=[r.pk for r in promoted]).update(
            status=Registration.Status.CONFIRMED,
            promoted_at=now,
            confirmed_at=now,
            sequence=F("sequence") + 1,
            updated_at=now,
        )
        for registration in promoted:
            registration.status = Registration.Status.CONFIRMED
            registration.promoted_at = now
    # Each promoted resident is owed a notice (a place, or a place to pay for), written in this
    # transaction; the outbox sends it once this commits (common/notices.py).
    notices.owe(kind=Registration.PROMOTION_NOTICE, refs=[r.pk for r in promoted], now=now)
    transaction.on_commit(notices.ring)
    logger.info("promoted %d waiting registrations of event %s", len(promoted), event_id)
    return promoted
