"""The payment state machine: what Stripe says about an intent (succeeded, failed, canceled),
applied to its payment and to the booking or registration it pays for; and what happens to the
payment of something cancelled.

Invariants: a booking or registration is confirmed only by a succeeded payment and only while
its place is still held; money that arrives for a released place is refunded; a failure or
cancel that arrives after success changes nothing.

Lock order: booking row, then payment row (the slot row last, in booking.services); for a
registration: event row, registration row, then payment row. Booking state changes go through
`booking.services` (`confirm_paid_hold`, `release_hold`), registration ones through
`events.registrations`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from booking import services as booking_services
from booking.models import Booking
from common import notices
from events import registrations as event_registrations
from events.models import Event, Registration
from payments import stripe_client
from payments.exceptions import (
    InvalidPaymentMethodError,
    PaymentDeclinedError,
    PaymentNotPayableError,
    PaymentProviderError,
)
from payments.intents import cancel_intent_quietly, run_after
from payments.models import Payment
from payments.refunds import NO_REFUND_LATE, issue_refund, mark_refund

logger = logging.getLogger(__name__)

PAID = (Payment.Status.SUCCEEDED, Payment.Status.REFUND_PENDING, Payment.Status.REFUNDED)


def apply_intent_status(*, intent_id: str, status: str, error: str = "") -> str:
    """Apply what Stripe says about an intent to its payment and booking; return the outcome.

    `status` is the intent's status ("succeeded", "canceled", ...) or "payment_failed".
    """
    payment_id = (
        Payment.objects.filter(stripe_payment_intent_id=intent_id).values_list("pk", flat=True)
    ).first()
    if payment_id is None:
        return "unknown_intent"
    after: list[Callable[[], object]] = []
    with transaction.atomic():
        outcome = apply_locked(payment_id=payment_id, status=status, error=error, after=after)
    run_after(after)
    return outcome


def apply_locked(
    *, payment_id: int, status: str, error: str, after: list[Callable[[], object]]
) -> str:
    """Apply a status inside the caller's transaction, booking row then payment row locked.

    Work for after the commit (e-mails, Stripe calls) is appended to `after`."""
    now = timezone.now()
    booking_id, registration_id = Payment.objects.values_list("booking_id", "registration_id").get(
        pk=payment_id
    )
    if registration_id is not None:
        return _apply_registration_locked(
            payment_id=payment_id,
            registration_id=registration_id,
            status=status,
            error=error,
            now=now,
            after=after,
        )
    booking = (
        Booking.objects.select_for_update().get(pk=booking_id) if booking_id is not None else None
    )
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if status == "succeeded":
        return _succeeded(booking=booking, payment=payment, now=now, after=after)
    if status in ("payment_failed", "canceled"):
        return _not_paid(booking=booking, payment=payment, status=status, error=error, after=after)
    return f"ignored_{status}"


def _succeeded(
    *,
    booking: Booking | None,
    payment: Payment,
    now: dt.datetime,
    after: list[Callable[[], object]],
) -> str:
    if payment.status in PAID:
        return "already_succeeded"
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = now
    if booking is None:  # a payment for something else than a booking: just record it
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
        return "succeeded_recorded"
    if booking.status == Booking.Status.HELD:
        # Paid while the place is still reserved, even a little past the hold: keep it. The
        # confirmation is owed in this transaction: it exists if and only if it commits.
        booking_services.confirm_paid_hold(booking=booking, now=now)
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
        after.append(notices.ring)
        return "confirmed"
    # The place was released (hold expired, payment failed or booking cancelled) before the
    # money arrived: give it back.
    payment.status = Payment.Status.REFUND_PENDING
    payment.refund_reason = "late_payment"
    payment.save(update_fields=["status", "succeeded_at", "refund_reason", "updated_at"])
    payment_pk = payment.pk
    after.append(lambda: issue_refund(payment_id=payment_pk))
    return "refund_late_payment"


def _not_paid(
    *,
    booking: Booking | None,
    payment: Payment,
    status: str,
    error: str,
    after: list[Callable[[], object]],
) -> str:
    if not _record_not_paid(payment, status=status, error=error, after=after):
        return f"ignored_{status}_after_{payment.status}"
    if booking is not None and booking.status == Booking.Status.HELD:
        booking_services.release_hold(booking=booking)
        return "released"
    return f"{status}_recorded"


def _record_not_paid(
    payment: Payment, *, status: str, error: str, after: list[Callable[[], object]]
) -> bool:
    """Record a failed or canceled intent on a payment still awaiting it; False otherwise."""
    if payment.status != Payment.Status.REQUIRES_PAYMENT:
        return False
    payment.status = (
        Payment.Status.FAILED if status == "payment_failed" else Payment.Status.CANCELED
    )
    payment.last_error = error[:1000]
    payment.save(update_fields=["status", "last_error", "updated_at"])
    intent_id = payment.stripe_payment_intent_id
    if status == "payment_failed" and intent_id:
        # A failed intent could still be retried at Stripe; cancel it so no money can arrive
        # for a place that is released now.
        after.append(lambda: cancel_intent_quietly(intent_id))
    return True


def _apply_registration_locked(
    *,
    payment_id: int,
    registration_id: int,
    status: str,
    error: str,
    now: dt.datetime,
    after: list[Callable[[], object]],
) -> str:
    """`apply_locked` for a registration's payment: event row, registration row, payment row."""
    event_id = Registration.objects.values_list("event_id", flat=True).get(pk=registration_id)
    event = Event.objects.select_for_update().get(pk=event_id)
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    held = registration.status == Registration.Status.HELD
    if status == "succeeded":
        if payment.status in PAID:
            return "already_succeeded"
        payment.status = Payment.Status.SUCCEEDED
        payment.succeeded_at = now
        if held and event.status != Event.Status.CANCELLED:
            # Paid while the place is still reserved, even a little past the hold: keep it.
            event_registrations.confirm_registration(registration_id=registration.pk, now=now)
            payment.save(update_fields=["status", "succeeded_at", "updated_at"])
            return "confirmed"
        if held:  # the event was cancelled
            event_registrations.release_registration(registration_id=registration.pk, now=now)
            payment.save(update_fields=["status", "succeeded_at", "updated_at"])
            mark_refund(payment, reason="event_cancelled", after=after)
            return "refund_event_cancelled"
        # The place was released (hold expired, payment failed, registration cancelled) before
        # the money arrived: give it back.
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
        mark_refund(payment, reason="late_payment", after=after)
        return "refund_late_payment"
    if status in ("payment_failed", "canceled"):
        if not _record_not_paid(payment, status=status, error=error, after=after):
            return f"ignored_{status}_after_{payment.status}"
        if held:
            event_registrations.release_registration(registration_id=registration.pk, now=now)
            return "released"
        return f"{status}_recorded"
    return f"ignored_{status}"


def confirm_payment(*, payment: Payment, payment_method: str) -> None:
    """Confirm a payment's intent at Stripe with a payment method and apply the result now.

    Raises PaymentNotPayableError, PaymentDeclinedError, InvalidPaymentMethodError,
    PaymentProviderError.
    """
    if payment.status != Payment.Status.REQUIRES_PAYMENT:
        raise PaymentNotPayableError()
    intent_id = payment.stripe_payment_intent_id
    assert intent_id is not None
    try:
        status = stripe_client.confirm_intent(intent_id, payment_method=payment_method)
    except stripe_client.CardDeclined as exc:
        apply_intent_status(intent_id=intent_id, status="payment_failed", error=str(exc))
        raise PaymentDeclinedError() from exc
    except stripe_client.RequestRefused as exc:
        # Perhaps already paid from the pay page, its webhook still on the way: ask Stripe.
        try:
            retrieved: str | None = stripe_client.intent_status(intent_id)
        except stripe_client.StripeFailure:
            retrieved = None
        if retrieved != "succeeded":
            raise InvalidPaymentMethodError(str(exc.user_message or exc)) from exc
        status = retrieved
    except stripe_client.StripeFailure as exc:
        raise PaymentProviderError() from exc
    apply_intent_status(intent_id=intent_id, status=status)


def cancel_released_intent(intent_id: str) -> None:
    """Cancel an intent whose place was released; if it was paid meanwhile, apply that."""
    try:
        stripe_client.cancel_intent(intent_id)
    except stripe_client.RequestRefused:
        # Already canceled, or succeeded in the last second: ask Stripe which.
        try:
            status = stripe_client.intent_status(intent_id)
        except stripe_client.StripeFailure as exc:
            logger.warning("could not look up intent %s: %s", intent_id, exc)
            return
        if status == "succeeded":
            apply_intent_status(intent_id=intent_id, status="succeeded")
    except stripe_client.StripeFailure as exc:
        logger.warning("could not cancel intent %s: %s", intent_id, exc)


def cancel_unpaid(payment: Payment, *, reason: str, after: list[Callable[[], object]]) -> None:
    """Cancel a locked payment still awaiting its money (its place was given up); its intent is
    canceled after the commit."""
    payment.status = Payment.Status.CANCELED
    payment.last_error = reason
    payment.save(update_fields=["status", "last_error", "updated_at"])
    if payment.stripe_payment_intent_id:
        intent_id = payment.stripe_payment_intent_id
        after.append(lambda: cancel_released_intent(intent_id))


@dataclass(frozen=True)
class SettlementTerms:
    """How the payment of a cancelled booking or registration is settled."""

    keep_payment: bool  # a late cancellation the policy does not refund
    refund_reason: str


def settle_cancellation[CancelledT: (Booking, Registration)](
    rows: QuerySet[CancelledT], *, pk: int, terms: Callable[[CancelledT], SettlementTerms]
) -> str:
    """Settle the payment of a cancelled booking or registration (row `pk` of `rows`, if it is
    cancelled); run after the cancellation committed.

    Locks the row, then its payment; cancels an unpaid intent, or keeps the money (`terms`
    say so), or marks it for a refund. Idempotent: a payment is settled once, so
    `retry_pending_refunds` can sweep up a settlement that a crash between the cancellation and
    this call left undone. Stripe is called after the commit. Returns the outcome.
    """
    cancelled = rows.filter(pk=pk, status=rows.model.Status.CANCELLED)
    after: list[Callable[[], object]] = []
    with transaction.atomic():
        outcome = _settle_locked(cancelled, terms=terms, after=after)
    run_after(after)
    return outcome


def _settle_locked[CancelledT: (Booking, Registration)](
    cancelled: QuerySet[CancelledT],
    *,
    terms: Callable[[CancelledT], SettlementTerms],
    after: list[Callable[[], object]],
) -> str:
    # The payment's field that points at the row is named after its model.
    what = str(cancelled.model._meta.model_name)
    row = cancelled.select_for_update(of=("self",)).first()
    if row is None:
        return "not_cancelled"
    payment = Payment.objects.select_for_update().filter(**{what: row}).first()
    if payment is None:
        return "no_payment"
    if payment.status == Payment.Status.REQUIRES_PAYMENT:
        cancel_unpaid(payment, reason=f"{what} cancelled", after=after)
        return "intent_canceled"
    if payment.status != Payment.Status.SUCCEEDED or payment.refund_reason:
        return "already_settled"
    settlement = terms(row)
    if settlement.keep_payment:
        payment.refund_reason = NO_REFUND_LATE
        payment.save(update_fields=["refund_reason", "updated_at"])
        return "kept_late_cancellation"
    mark_refund(payment, reason=settlement.refund_reason, after=after)
    return "refund_pending"
