"""Periodic sweeps (Celery beat, `payments.tasks`; also `manage.py expire_holds`): holds that
ran out, and refunds or settlements left undone. Each is idempotent."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from booking import services as booking_services
from booking.models import Booking
from events import registrations as event_registrations
from events.exceptions import EventsError
from events.models import Event, Registration
from payments.bookings import settle_cancelled_booking
from payments.intents import run_after
from payments.models import Payment
from payments.outcomes import cancel_unpaid
from payments.refunds import issue_refund, mark_refund
from payments.registrations import settle_cancelled_registration

logger = logging.getLogger(__name__)


def expire_holds(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Expire held bookings and held event registrations past `hold_expires_at`, give their
    places back (a registration's to the waiting list), cancel their intents.

    Invariant: a place is released once (the booking or registration row is locked and
    re-checked); a hold paid meanwhile is confirmed by its payment instead. Returns how many
    holds expired.
    """
    now = now or timezone.now()
    candidates = list(
        Booking.objects.filter(status=Booking.Status.HELD, hold_expires_at__lte=now)
        .order_by("hold_expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for booking_id in candidates:
        after: list[Callable[[], object]] = []
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True)
                .filter(pk=booking_id, status=Booking.Status.HELD, hold_expires_at__lte=now)
                .first()
            )
            if booking is None:
                continue  # paid, cancelled or being handled by someone else
            payment = Payment.objects.select_for_update().filter(booking=booking).first()
            booking_services.release_hold(booking=booking)
            expired += 1
            if payment is not None and payment.status == Payment.Status.REQUIRES_PAYMENT:
                cancel_unpaid(payment, reason="hold expired", after=after)
        run_after(after)
    return expired + _expire_registration_holds(now=now, limit=limit)


def _expire_registration_holds(*, now: dt.datetime, limit: int) -> int:
    """Release held registrations past `hold_expires_at` (the place goes to the waiting list)
    and cancel their intents; a hold paid meanwhile is confirmed by its payment instead."""
    candidates = list(
        Registration.objects.filter(status=Registration.Status.HELD, hold_expires_at__lte=now)
        .order_by("hold_expires_at")
        .values_list("pk", "event_id")[:limit]
    )
    expired = 0
    for registration_id, event_id in candidates:
        after: list[Callable[[], object]] = []
        try:
            with transaction.atomic():
                Event.objects.select_for_update().filter(pk=event_id).first()
                registration = (
                    Registration.objects.select_for_update()
                    .filter(
                        pk=registration_id,
                        status=Registration.Status.HELD,
                        hold_expires_at__lte=now,
                    )
                    .first()
                )
                if registration is None:
                    continue  # paid, cancelled or released meanwhile
                payment = (
                    Payment.objects.select_for_update().filter(registration=registration).first()
                )
                if not event_registrations.expire_registration(
                    registration_id=registration.pk, now=now
                ):
                    continue
                expired += 1
                if payment is not None and payment.status == Payment.Status.REQUIRES_PAYMENT:
                    cancel_unpaid(payment, reason="hold expired", after=after)
        except EventsError as exc:  # busy: the next run tries again
            logger.warning("could not expire registration %s: %s", registration_id, exc)
            continue
        run_after(after)
    return expired


def refund_cancelled_events(*, limit: int = 1000) -> int:
    """Refund the paid places of events their organisers cancelled (registrations are kept so
    residents learn of it, but nobody pays for an event that does not happen). Idempotent.
    Returns how many refunds were decided."""
    due = list(
        Payment.objects.filter(
            registration__event__status=Event.Status.CANCELLED,
            status=Payment.Status.SUCCEEDED,
            refund_reason="",
        ).values_list("pk", flat=True)[:limit]
    )
    decided = 0
    for payment_id in due:
        after: list[Callable[[], object]] = []
        with transaction.atomic():
            payment = (
                Payment.objects.select_for_update()
                .filter(pk=payment_id, status=Payment.Status.SUCCEEDED, refund_reason="")
                .first()
            )
            if payment is None:
                continue
            mark_refund(payment, reason="event_cancelled", after=after)
            decided += 1
        run_after(after)
    return decided


def retry_pending_refunds(*, now: dt.datetime | None = None) -> int:
    """Settle cancelled bookings and registrations left unsettled, refund paid places of
    cancelled events, and issue refunds still pending a minute after they were decided.
    Returns how many refunds succeeded."""
    now = now or timezone.now()
    cancelled_bookings = Booking.objects.filter(status=Booking.Status.CANCELLED)
    for booking_id in _unsettled(cancelled_bookings, now=now):
        settle_cancelled_booking(booking_id=booking_id)
    cancelled_registrations = Registration.objects.filter(status=Registration.Status.CANCELLED)
    for registration_id in _unsettled(cancelled_registrations, now=now):
        settle_cancelled_registration(registration_id=registration_id)
    refund_cancelled_events()
    due = Payment.objects.filter(
        status=Payment.Status.REFUND_PENDING, updated_at__lte=now - dt.timedelta(minutes=1)
    ).values_list("pk", flat=True)
    return sum(issue_refund(payment_id=pk).status == Payment.Status.REFUNDED for pk in list(due))


def _unsettled(cancelled: QuerySet[Any], *, now: dt.datetime) -> list[int]:
    """The ids of `cancelled` rows cancelled a minute ago or more whose payment was not settled
    (its intent still open, or paid and not decided on)."""
    unsettled = cancelled.filter(
        cancelled_at__lte=now - dt.timedelta(minutes=1),
        payment__status__in=[Payment.Status.REQUIRES_PAYMENT, Payment.Status.SUCCEEDED],
        payment__refund_reason="",
    ).values_list("pk", flat=True)
    return list(unsettled[:1000])
