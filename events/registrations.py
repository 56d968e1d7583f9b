"""Registrations for events, with a waiting list; the held places of paid events.

Capacity: `Event.registered_count` (places taken: confirmed and held registrations) changes only
through conditional UPDATEs (`registered_count + n <= capacity`), as
`booking.services.place_booking` does with a slot's remaining places; the waiting list is joined
and promoted only under the event's row lock. Lock order everywhere: event row, then
registration rows (events/locking.py; the payment code then locks the payment row). A lock wait
that times out, or a deadlock that is still there after its retries, raises EventBusyError
(common/transactions.py).

Paid events (`price > 0`): a registration takes its place as `held` until it is paid
(`hold_expires_at`, settings.BOOKING_HOLD_MINUTES); the payment code confirms it
(`confirm_registration`) or releases it (`release_registration`, `expire_registration`), which
frees the place and promotes the waiting list like a cancellation. A promotion on a paid event
gives a `held` place too (settings.EVENT_PROMOTION_HOLD_MINUTES to pay). This app never talks to
Stripe: without settings.STRIPE_ENABLED a paid event refuses registrations
(`payment_unavailable`) and promotes nobody.

A promotion owes the resident a notice: an outbox row (`common.notices.owe`) written in the
promoting transaction, sent after the commit by events/notifications.py.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common import notices, transactions
from events import locking, selectors
from events.exceptions import (
    AlreadyRegisteredError,
    EventBusyError,
    EventCancelledError,
    EventEndedError,
    EventFullError,
    EventPostponedError,
    InvalidPartySizeError,
    NotPublishedError,
    PartyTooLargeError,
    PaymentUnavailableError,
    RegistrationClosedError,
    RegistrationNotCancellableError,
    RegistrationNotFoundError,
    RegistrationNotOpenError,
)
from events.models import Event, Registration

logger = logging.getLogger(__name__)

User = Any  # the project's user model instance
MAX_PARTY_SIZE = 10
REGISTRATION_TRANSACTION = "a registration transaction"  # how the retry log line names it


@dataclass(frozen=True)
class RegistrationResult:
    registration: Registration
    position: int | None  # place on the waiting list (1 = next), None when confirmed


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
    payment after this returns (the payment code), never inside this transaction.
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

    try:
        return _retrying(lambda: _register(event=event, resident=resident, size=size, now=now))
    except IntegrityError as exc:
        if "registration_one_active_per_resident_event" in str(exc) or "UNIQUE" in str(exc):
            raise AlreadyRegisteredError() from exc
        raise


def cancel_registration(
    *, registration_id: Any, by_user: User, now: dt.datetime | None = None
) -> Registration:
    """Cancel a resident's own registration; a freed place goes to the waiting list at once.

    Invariants: `registered_count` drops by exactly the party of a confirmed or held
    registration; promotion runs in the same transaction, under the event's row lock (lock order:
    event, then registration). A payment is settled by the payment code after the commit
    (its `cancel_registration` wraps this one).

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
    _retrying(lambda: _cancel(pk=pk, event_id=row["event_id"], now=now))
    return Registration.objects.select_related("event").get(pk=pk)


def promote_waitlist(*, event_id: Any, now: dt.datetime | None = None) -> list[Registration]:
    """Give free places to the waiting list, first come first served; return those promoted.

    A place goes to the earliest waiting registration whose party fits; a larger party further
    up keeps its turn for the next places that fit it. Cancelled events promote nobody.

    Raises EventNotFoundError, EventBusyError.
    """
    now = now or timezone.now()
    return _retrying(lambda: _promote(event_id=event_id, now=now))


def promote_waitlist_locked(*, event_id: int, now: dt.datetime) -> list[Registration]:
    """Promote waiting registrations into free places; return those promoted.

    The caller holds the event's row lock in its transaction (a cancellation, a release, a
    raised capacity: events.lifecycle.update_event). On a paid event the promoted get a held place (EVENT_PROMOTION_HOLD_MINUTES to pay, never
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


# --- paid registrations (called by the payment code) ----------------------------------------


def confirm_registration(*, registration_id: int, now: dt.datetime | None = None) -> str:
    """Confirm a held registration whose payment succeeded; return the outcome.

    Idempotent: "confirmed" the first time, "already_confirmed" after, "not_held" when the hold
    was released or cancelled meanwhile (the caller refunds). Runs inside the caller's
    transaction when there is one (the payment code applies the payment in the same one); locks
    the event row, then the registration row. The place was taken with the hold: nothing else
    changes.

    Raises RegistrationNotFoundError, EventBusyError.
    """
    now = now or timezone.now()
    return _retrying(lambda: _confirm(registration_id=registration_id, now=now))


def release_registration(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """Give up a held registration's place (payment failed, canceled or never came).

    held → expired; `registered_count` drops by its party and the waiting list is promoted in
    the same transaction, as a cancellation does. Returns whether this call released it (False
    when it is not held any more: released once, whoever comes second). Runs inside the
    caller's transaction when there is one; locks the event row, then the registration row.

    Raises RegistrationNotFoundError, EventBusyError.
    """
    now = now or timezone.now()
    return _retrying(lambda: _release(registration_id=registration_id, now=now, due_only=False))


def expire_registration(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """Release a held registration whose hold has ended (`hold_expires_at <= now`).

    Like release_registration, but a hold that is still running (or was extended by a
    promotion) is left alone. Returns whether it expired.

    Raises RegistrationNotFoundError, EventBusyError.
    """
    now = now or timezone.now()
    return _retrying(lambda: _release(registration_id=registration_id, now=now, due_only=True))


# --- helpers --------------------------------------------------------------------------------


def _retrying[T](work: Callable[[], T]) -> T:
    """Run one of this module's transactions: retried after a deadlock, `busy` on contention."""
    return transactions.retrying(work, busy=EventBusyError, what=REGISTRATION_TRANSACTION)


def _register(*, event: Event, resident: User, size: int, now: dt.datetime) -> RegistrationResult:
    with transactions.bounded_atomic():
        return _insert_registration(event=event, resident=resident, size=size, now=now)


def _cancel(*, pk: int, event_id: int, now: dt.datetime) -> None:
    with transactions.bounded_atomic():
        event = locking.lock_event(event_id)
        registration = Registration.objects.select_for_update().get(pk=pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationNotCancellableError(_("The registration is already cancelled."))
        if event.last_starts_at is not None and event.last_starts_at <= now:
            raise EventEndedError(_("The event has started; the registration stays."))
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
                promote_waitlist_locked(event_id=event.pk, now=now)


def _promote(*, event_id: Any, now: dt.datetime) -> list[Registration]:
    with transactions.bounded_atomic():
        event = locking.lock_event(event_id)
        if event.status not in (Event.Status.PUBLISHED, Event.Status.POSTPONED):
            return []
        return promote_waitlist_locked(event_id=event.pk, now=now)


def _confirm(*, registration_id: int, now: dt.datetime) -> str:
    # Not durable: the payment code applies the payment in the same transaction.
    with transactions.bounded_atomic(durable=False):
        registration = locking.lock_registration(registration_id)
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


def _release(*, registration_id: int, now: dt.datetime, due_only: bool) -> bool:
    with transactions.bounded_atomic(durable=False):
        registration = locking.lock_registration(registration_id)
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
            promote_waitlist_locked(event_id=registration.event_id, now=now)
        return True


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
    """The body of register's transaction, which bounds its lock waits (`bounded_atomic`)."""
    if _take_places(event_id=event.pk, size=size, price=event.price):
        registration = _placed(
            event_id=event.pk, resident=resident, size=size, price=event.price, now=now
        )
        return RegistrationResult(registration=registration, position=None)
    # Full (or changed): queue under the event's row lock. Promotions take the same lock, so a
    # place freed meanwhile is either taken here (second attempt) or sees this entry in line.
    locked = locking.lock_event(event.pk)
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
