"""Stripe payments of paid bookings. The only module that imports `stripe`.

A paid slot is booked as a HELD booking that keeps its place for the policy's `hold_minutes`.
After that booking commits, `start_payment` records a Payment and creates a Stripe PaymentIntent
in CNY with the configured payment method types (card, Alipay, WeChat Pay). The resident pays on
`/bookings/<id>/pay/` with Stripe.js and the intent's client secret. Stripe reports the outcome by
webhook (`handle_webhook`, each event id processed once); `pay_booking` can also confirm an intent
server-side and applies its result at once, through the same state machine.

PaymentIntents rather than Checkout Sessions: an intent lives as long as the hold and can be
canceled when the hold expires, the pay page stays ours (bilingual, shows the hold countdown),
Alipay and WeChat Pay work through the same intent, and intents exist in localstripe, the fake
Stripe server the tests run against (Checkout Sessions exist in no installable fake).

Lock order, everywhere: booking row, then payment row, then slot row; a refund holds only its
payment row while it calls Stripe. Stripe is never called while a slot row is locked.

Paid event registrations work the same way: `events.registrations.register` takes a HELD place, the
intent is created lazily when the resident opens `/registrations/<id>/pay/`
(`get_registration_payment_page`, `pay_registration`; `start_registration_payment` for callers
that want it earlier), and the same webhook confirms (`events.registrations.confirm_registration`) or
releases (`events.registrations.release_registration`, which promotes the waiting list) it. Lock
order for them: event row, registration row, then payment row. Cancelling a paid registration
(`cancel_registration` here) refunds it in full while registration is still open.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import stripe
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from booking import locking
from booking.exceptions import (
    BookingNotFoundError,
    InvalidPaymentMethodError,
    InvalidWebhookError,
    PaymentDeclinedError,
    PaymentNotFoundError,
    PaymentNotPayableError,
    PaymentProviderError,
    PaymentUnavailableError,
)
from booking.models import Booking, Payment, StripeEvent
from common import notices
from common.urls import absolute_url
from events import registrations as event_services
from events.exceptions import EventsError, RegistrationNotFoundError
from events.models import Event, Registration
from venues.models import BookingPolicy

logger = logging.getLogger(__name__)

STRIPE_TIMEOUT_SECONDS = 15
WEBHOOK_TOLERANCE_SECONDS = 300
CURRENCY = "cny"
NOT_PAYABLE_REGISTRATION = "该报名当前无法付款。This registration cannot be paid now."
# `Payment.refund_reason` of a late cancellation whose payment the venue keeps.
NO_REFUND_LATE = "late_cancellation_not_refunded"


# --- Stripe client -------------------------------------------------------------------------


@functools.cache
def _client_for(api_key: str, api_base: str) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(
        api_key,
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
    )


def _client() -> stripe.StripeClient:
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def to_minor_units(amount: Decimal) -> int:
    """CNY amounts travel to Stripe in fen."""
    return int((amount * 100).quantize(Decimal(1)))


# --- reads ---------------------------------------------------------------------------------


def payment_path(booking: Booking) -> str:
    """Where the resident pays a held booking; empty when there is nothing to pay."""
    if booking.status != Booking.Status.HELD or not booking.price:
        return ""
    return f"/bookings/{booking.pk}/pay/"


@dataclass(frozen=True)
class PaymentPage:
    booking: Booking
    payment: Payment
    client_secret: str
    publishable_key: str
    amount: Decimal
    currency: str
    payment_method_types: list[str]
    hold_expires_at: dt.datetime | None


def get_payment_page(*, booking_id: Any, user: AbstractBaseUser) -> PaymentPage:
    """Return what the pay page needs for the caller's held booking, creating its intent if due.

    Invariant: only the booking's owner sees the client secret.
    Raises BookingNotFoundError (also for a booking of someone else), PaymentNotFoundError,
    PaymentProviderError.
    """
    booking = _owned_booking(booking_id=booking_id, user=user)
    if not booking.price:
        raise PaymentNotFoundError()
    if booking.status == Booking.Status.HELD:
        payment = _ensure_intent(booking=booking)
    else:
        found = Payment.objects.filter(booking=booking).first()
        if found is None:
            raise PaymentNotFoundError()
        payment = found
    return PaymentPage(
        booking=booking,
        payment=payment,
        client_secret=payment.stripe_client_secret
        if payment.status == Payment.Status.REQUIRES_PAYMENT
        else "",
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        amount=payment.amount,
        currency=payment.currency,
        payment_method_types=list(payment.payment_method_types),
        hold_expires_at=booking.hold_expires_at,
    )


# --- starting and paying -------------------------------------------------------------------


def start_payment(*, booking: Booking) -> Payment | None:
    """Record the payment of a freshly held booking and create its PaymentIntent.

    Call after the booking's transaction committed (never under the slot lock). A Stripe outage
    leaves the booking held without an intent; the pay page creates it later.
    Raises nothing: errors are logged.
    """
    if booking.status != Booking.Status.HELD or not booking.price:
        return None
    try:
        return _ensure_intent(booking=booking)
    except PaymentProviderError:
        return Payment.objects.filter(booking=booking).first()


def _ensure_intent(*, booking: Booking) -> Payment:
    return _ensure_payment_intent(
        target={"booking": booking},
        amount=booking.price,
        metadata={"booking_id": str(booking.pk), "booking_uid": str(booking.uid)},
    )


def _ensure_payment_intent(
    *, target: dict[str, Any], amount: Decimal, metadata: dict[str, str]
) -> Payment:
    """The target's payment row, with its PaymentIntent created at Stripe if it has none yet."""
    try:
        with transaction.atomic():
            payment, _ = Payment.objects.get_or_create(
                **target,
                defaults={
                    "amount": amount,
                    "currency": CURRENCY,
                    "payment_method_types": list(settings.STRIPE_PAYMENT_METHOD_TYPES),
                },
            )
    except IntegrityError:  # created by a concurrent request
        payment = Payment.objects.get(**target)
    if payment.stripe_payment_intent_id or payment.status != Payment.Status.REQUIRES_PAYMENT:
        return payment
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": to_minor_units(payment.amount),
                "currency": payment.currency,
                # The stubs know only the newer `allowed_payment_method_types`; Stripe and
                # localstripe both take this one.
                "payment_method_types": payment.payment_method_types,  # type: ignore[typeddict-unknown-key]
                "metadata": metadata,
            },
            # Two racing requests create one intent at Stripe.
            options={"idempotency_key": f"luohu-payment-{payment.pk}"},
        )
    except stripe.StripeError as exc:
        logger.warning("could not create a PaymentIntent for %s: %s", metadata, exc)
        raise PaymentProviderError() from exc
    stored = Payment.objects.filter(pk=payment.pk, stripe_payment_intent_id__isnull=True).update(
        stripe_payment_intent_id=intent.id, stripe_client_secret=intent.client_secret
    )
    if not stored:
        logger.info("payment %s got its intent concurrently; dropping %s", payment.pk, intent.id)
        _cancel_intent_quietly(intent.id)
    payment.refresh_from_db()
    return payment


def pay_booking(*, booking_id: Any, user: AbstractBaseUser, payment_method: Any) -> Booking:
    """Confirm the caller's held booking's PaymentIntent with a Stripe payment method id.

    The browser normally confirms with Stripe.js; this server-side path serves API clients, demos
    and tests. The result is applied at once (a later webhook for it is then a no-op).
    Raises BookingNotFoundError (also for a booking of someone else), InvalidPaymentMethodError,
    PaymentNotPayableError, PaymentDeclinedError, PaymentProviderError.
    """
    _check_payment_method(payment_method)
    booking = _owned_booking(booking_id=booking_id, user=user)
    if booking.status != Booking.Status.HELD or not booking.price:
        raise PaymentNotPayableError()
    _confirm_intent(payment=_ensure_intent(booking=booking), payment_method=payment_method)
    booking.refresh_from_db()
    return booking


def _check_payment_method(payment_method: Any) -> None:
    if not isinstance(payment_method, str) or not payment_method.startswith("pm_"):
        raise InvalidPaymentMethodError(fields={"payment_method": ["A pm_... id is required."]})
    if len(payment_method) > 255 or not payment_method.isascii():
        raise InvalidPaymentMethodError(fields={"payment_method": ["Not a payment method id."]})


def _confirm_intent(*, payment: Payment, payment_method: str) -> None:
    """Confirm a payment's intent at Stripe with a payment method and apply the result now."""
    if payment.status != Payment.Status.REQUIRES_PAYMENT:
        raise PaymentNotPayableError()
    intent_id = payment.stripe_payment_intent_id
    assert intent_id is not None
    client = _client()
    try:
        # Real Stripe accepts `payment_method` on confirm; localstripe only on update.
        client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
        intent = client.v1.payment_intents.confirm(intent_id)
    except stripe.CardError as exc:
        apply_intent_status(intent_id=intent_id, status="payment_failed", error=str(exc))
        raise PaymentDeclinedError() from exc
    except stripe.InvalidRequestError as exc:
        # Perhaps already paid from the pay page, its webhook still on the way: ask Stripe.
        try:
            retrieved: stripe.PaymentIntent | None = client.v1.payment_intents.retrieve(intent_id)
        except stripe.StripeError:
            retrieved = None
        if retrieved is None or retrieved.status != "succeeded":
            raise InvalidPaymentMethodError(str(exc.user_message or exc)) from exc
        intent = retrieved
    except stripe.StripeError as exc:
        raise PaymentProviderError() from exc
    apply_intent_status(intent_id=intent_id, status=intent.status)


# --- the state machine ---------------------------------------------------------------------


def apply_intent_status(*, intent_id: str, status: str, error: str = "") -> str:
    """Apply what Stripe says about an intent to its payment and booking; return the outcome.

    `status` is the intent's status ("succeeded", "canceled", ...) or "payment_failed".
    Invariants: a booking is confirmed only by a succeeded payment and only while its place is
    still held; money that arrives for a released place is refunded; a failure or cancel that
    arrives after success changes nothing.
    """
    payment_id = (
        Payment.objects.filter(stripe_payment_intent_id=intent_id).values_list("pk", flat=True)
    ).first()
    if payment_id is None:
        return "unknown_intent"
    after: list[Callable[[], object]] = []
    with transaction.atomic():
        outcome = _apply_locked(payment_id=payment_id, status=status, error=error, after=after)
    _run_after(after)
    return outcome


def _apply_locked(
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
    if payment.status in (
        Payment.Status.SUCCEEDED,
        Payment.Status.REFUND_PENDING,
        Payment.Status.REFUNDED,
    ):
        return "already_succeeded"
    payment.status = Payment.Status.SUCCEEDED
    payment.succeeded_at = now
    if booking is None:  # a payment for something else than a booking: just record it
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
        return "succeeded_recorded"
    if booking.status == Booking.Status.HELD:
        # Paid while the place is still reserved, even a little past the hold: keep it.
        booking.status = Booking.Status.CONFIRMED
        booking.confirmed_at = now
        booking.sequence = F("sequence") + 1
        booking.save(update_fields=["status", "confirmed_at", "sequence", "updated_at"])
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
        # The confirmation is owed in this transaction: it exists if and only if it commits.
        notices.owe(kind=Booking.CONFIRMATION_NOTICE, refs=[booking.pk], now=now)
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
    if payment.status != Payment.Status.REQUIRES_PAYMENT:
        return f"ignored_{status}_after_{payment.status}"
    payment.status = (
        Payment.Status.FAILED if status == "payment_failed" else Payment.Status.CANCELED
    )
    payment.last_error = error[:1000]
    payment.save(update_fields=["status", "last_error", "updated_at"])
    intent_id = payment.stripe_payment_intent_id
    if status == "payment_failed" and intent_id:
        # A failed intent could still be retried at Stripe; cancel it so no money can arrive
        # for a place that is released now.
        after.append(lambda: _cancel_intent_quietly(intent_id))
    if booking is not None and booking.status == Booking.Status.HELD:
        _release(booking)
        return "released"
    return f"{status}_recorded"


def _release(booking: Booking) -> None:
    booking.status = Booking.Status.EXPIRED
    booking.sequence = F("sequence") + 1
    booking.save(update_fields=["status", "sequence", "updated_at"])
    # The one give-back path: it also tells the waiting list once the release commits.
    locking.give_back_places(slot_id=booking.slot_id, places=booking.places)


# --- webhooks ------------------------------------------------------------------------------


def handle_webhook(*, payload: bytes, signature: str | None) -> str:
    """Verify a Stripe webhook and process its event once; return the outcome.

    Invariant: an event id is processed at most once (unique `StripeEvent.event_id`, inserted in
    the transaction that applies it); a bad signature changes nothing.
    Raises InvalidWebhookError.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise InvalidWebhookError("Webhook secret not configured.", code="webhook_not_configured")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
        obj = event["data"]["object"]
        if not isinstance(obj, dict):
            raise TypeError("data.object is not an object")
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhookError() from exc
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidWebhookError("Malformed event.", code="malformed_event") from exc
    return process_event(event_id=event_id, event_type=event_type, obj=obj)


def process_event(*, event_id: str, event_type: str, obj: dict[str, Any]) -> str:
    """Apply one verified Stripe event exactly once; return the outcome ("duplicate" on replay)."""
    intent_id = obj.get("id") if obj.get("object") == "payment_intent" else None
    if not isinstance(intent_id, str):
        intent_id = None
    payment = (
        Payment.objects.filter(stripe_payment_intent_id=intent_id).first() if intent_id else None
    )
    after: list[Callable[[], object]] = []
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event_id[:255], type=event_type[:100], payment=payment
                )
        except IntegrityError:
            return "duplicate"
        outcome = _event_outcome(event_type=event_type, obj=obj, payment=payment, after=after)
        record.outcome = outcome[:100]
        record.save(update_fields=["outcome"])
    _run_after(after)
    logger.info("stripe event %s (%s): %s", event_id, event_type, outcome)
    return outcome


def _event_outcome(
    *,
    event_type: str,
    obj: dict[str, Any],
    payment: Payment | None,
    after: list[Callable[[], object]],
) -> str:
    status = {
        "payment_intent.succeeded": "succeeded",
        "payment_intent.payment_failed": "payment_failed",
        "payment_intent.canceled": "canceled",
    }.get(event_type)
    if status is None:
        return "ignored"
    if payment is None:
        return "unknown_intent"
    if status == "succeeded" and (
        obj.get("amount") != to_minor_units(payment.amount)
        or str(obj.get("currency", "")).lower() != payment.currency
    ):
        logger.error("payment %s: succeeded event with a different amount: %s", payment.pk, obj)
        return "amount_mismatch"
    error = ""
    last_error = obj.get("last_payment_error")
    if isinstance(last_error, dict):
        error = str(last_error.get("message") or last_error.get("code") or "")
    return _apply_locked(payment_id=payment.pk, status=status, error=error, after=after)


# --- holds, cancellations and refunds ------------------------------------------------------


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
            _release(booking)
            expired += 1
            if payment is not None and payment.status == Payment.Status.REQUIRES_PAYMENT:
                payment.status = Payment.Status.CANCELED
                payment.last_error = "hold expired"
                payment.save(update_fields=["status", "last_error", "updated_at"])
                if payment.stripe_payment_intent_id:
                    intent_id = payment.stripe_payment_intent_id
                    after.append(functools.partial(_cancel_intent, intent_id))
        _run_after(after)
    return expired + _expire_registration_holds(now=now, limit=limit)


def settle_cancelled_booking(*, booking_id: int) -> str:
    """Settle the payment of a cancelled booking; run after the cancellation committed.

    An unpaid intent is canceled; a paid booking is refunded unless the cancellation was late
    and the venue's policy keeps late payments (`refund_late_cancellation` off). Idempotent: a
    payment is settled once, so `retry_pending_refunds` can sweep up a settlement that a crash
    between the cancellation and this call left undone. Returns the outcome.
    """
    after: list[Callable[[], object]] = []
    with transaction.atomic():
        outcome = _settle_locked(booking_id=booking_id, after=after)
    _run_after(after)
    return outcome


def _settle_locked(*, booking_id: int, after: list[Callable[[], object]]) -> str:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("venue__policy")
        .filter(pk=booking_id, status=Booking.Status.CANCELLED)
        .first()
    )
    if booking is None:
        return "not_cancelled"
    payment = Payment.objects.select_for_update().filter(booking_id=booking.pk).first()
    if payment is None:
        return "no_payment"
    policy: BookingPolicy | None = getattr(booking.venue, "policy", None)
    return _settle_cancelled_payment(
        payment,
        what="booking",
        keep_payment=booking.late_cancellation and not (policy and policy.refund_late_cancellation),
        refund_reason="late_cancellation" if booking.late_cancellation else "cancelled",
        after=after,
    )


def _settle_cancelled_payment(
    payment: Payment,
    *,
    what: str,
    keep_payment: bool,
    refund_reason: str,
    after: list[Callable[[], object]],
) -> str:
    """Settle the locked payment of something just cancelled: cancel an unpaid intent, or keep
    the money (a late cancellation the policy does not refund), or mark it for a refund."""
    if payment.status == Payment.Status.REQUIRES_PAYMENT:
        payment.status = Payment.Status.CANCELED
        payment.last_error = f"{what} cancelled"
        payment.save(update_fields=["status", "last_error", "updated_at"])
        if payment.stripe_payment_intent_id:
            intent_id = payment.stripe_payment_intent_id
            after.append(lambda: _cancel_intent(intent_id))
        return "intent_canceled"
    if payment.status != Payment.Status.SUCCEEDED or payment.refund_reason:
        return "already_settled"
    if keep_payment:
        payment.refund_reason = NO_REFUND_LATE
        payment.save(update_fields=["refund_reason", "updated_at"])
        return "kept_late_cancellation"
    _mark_refund(payment, reason=refund_reason, after=after)
    return "refund_pending"


def issue_refund(*, payment_id: int) -> Payment:
    """Refund what is left of a payment marked `refund_pending`.

    Invariant: never refunds more than was paid (the amount comes from our own ledger, the
    payment row stays locked during the Stripe call, and a check constraint bounds it).
    A Stripe error leaves the refund pending for `retry_pending_refunds`.
    """
    try:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(pk=payment_id)
            if payment.status != Payment.Status.REFUND_PENDING:
                return payment
            amount = payment.amount - payment.amount_refunded
            if amount > 0:
                refund = _client().v1.refunds.create(
                    params={
                        # A refund is only due on a payment that reached Stripe.
                        "payment_intent": cast(str, payment.stripe_payment_intent_id),
                        "amount": to_minor_units(amount),
                    },
                    options={
                        "idempotency_key": (
                            f"luohu-refund-{payment.pk}-{to_minor_units(payment.amount_refunded)}"
                        )
                    },
                )
                payment.amount_refunded += amount
                payment.stripe_refund_id = refund.id
            payment.status = Payment.Status.REFUNDED
            payment.refunded_at = timezone.now()
            payment.save(
                update_fields=[
                    "status",
                    "amount_refunded",
                    "stripe_refund_id",
                    "refunded_at",
                    "updated_at",
                ]
            )
            return payment
    except stripe.StripeError as exc:
        logger.warning("refund of payment %s failed, will retry: %s", payment_id, exc)
        Payment.objects.filter(pk=payment_id).update(last_error=str(exc)[:1000])
        return Payment.objects.get(pk=payment_id)


def retry_pending_refunds(*, now: dt.datetime | None = None) -> int:
    """Settle cancelled bookings and registrations left unsettled, refund paid places of
    cancelled events, and issue refunds still pending a minute after they were decided.
    Returns how many refunds succeeded."""
    now = now or timezone.now()
    unsettled = Booking.objects.filter(
        status=Booking.Status.CANCELLED,
        cancelled_at__lte=now - dt.timedelta(minutes=1),
        payment__status__in=[Payment.Status.REQUIRES_PAYMENT, Payment.Status.SUCCEEDED],
        payment__refund_reason="",
    ).values_list("pk", flat=True)
    for booking_id in list(unsettled[:1000]):
        settle_cancelled_booking(booking_id=booking_id)
    unsettled_registrations = Registration.objects.filter(
        status=Registration.Status.CANCELLED,
        cancelled_at__lte=now - dt.timedelta(minutes=1),
        payment__status__in=[Payment.Status.REQUIRES_PAYMENT, Payment.Status.SUCCEEDED],
        payment__refund_reason="",
    ).values_list("pk", flat=True)
    for registration_id in list(unsettled_registrations[:1000]):
        settle_cancelled_registration(registration_id=registration_id)
    refund_cancelled_events()
    due = Payment.objects.filter(
        status=Payment.Status.REFUND_PENDING, updated_at__lte=now - dt.timedelta(minutes=1)
    ).values_list("pk", flat=True)
    return sum(issue_refund(payment_id=pk).status == Payment.Status.REFUNDED for pk in list(due))


def _cancel_intent(intent_id: str) -> None:
    """Cancel an intent whose place was released; if it was paid meanwhile, apply that."""
    try:
        _client().v1.payment_intents.cancel(intent_id)
    except stripe.InvalidRequestError:
        # Already canceled, or succeeded in the last second: ask Stripe which.
        try:
            intent = _client().v1.payment_intents.retrieve(intent_id)
        except stripe.StripeError as exc:
            logger.warning("could not look up intent %s: %s", intent_id, exc)
            return
        if intent.status == "succeeded":
            apply_intent_status(intent_id=intent_id, status="succeeded")
    except stripe.StripeError as exc:
        logger.warning("could not cancel intent %s: %s", intent_id, exc)


def _cancel_intent_quietly(intent_id: str) -> None:
    try:
        _client().v1.payment_intents.cancel(intent_id)
    except stripe.StripeError as exc:
        logger.info("intent %s not canceled: %s", intent_id, exc)


# --- paid event registrations --------------------------------------------------------------


def registration_payment_path(registration: Registration) -> str:
    """Where the resident pays a held registration; empty when there is nothing to pay."""
    if registration.status != Registration.Status.HELD or not registration.amount:
        return ""
    return f"/registrations/{registration.pk}/pay/"


@dataclass(frozen=True)
class RegistrationPaymentPage:
    registration: Registration
    payment: Payment
    client_secret: str
    publishable_key: str
    amount: Decimal
    currency: str
    payment_method_types: list[str]
    hold_expires_at: dt.datetime | None


def start_registration_payment(*, registration: Registration) -> Payment | None:
    """Record the payment of a held registration and create its PaymentIntent (CNY, the event's
    price × party size, settings.STRIPE_PAYMENT_METHOD_TYPES).

    Call after the registration's transaction committed (never under the event lock); the pay
    page calls it lazily, so a rush of registrations never waits on Stripe. A Stripe outage
    leaves the registration held without an intent. Raises nothing: errors are logged.
    """
    if registration.status != Registration.Status.HELD or not registration.amount:
        return None
    if not settings.STRIPE_ENABLED:
        return None
    try:
        return _ensure_registration_intent(registration=registration)
    except PaymentProviderError:
        return Payment.objects.filter(registration=registration).first()


def _ensure_registration_intent(*, registration: Registration) -> Payment:
    return _ensure_payment_intent(
        target={"registration": registration},
        amount=registration.amount,
        metadata={
            "registration_id": str(registration.pk),
            "registration_uid": str(registration.uid),
            "event_id": str(registration.event_id),
        },
    )


def get_registration_payment_page(
    *, registration_id: Any, user: AbstractBaseUser
) -> RegistrationPaymentPage:
    """What the pay page needs for the caller's held registration, creating its intent if due.

    Invariant: only the registration's owner sees the client secret.
    Raises RegistrationNotFoundError (also for someone else's), PaymentNotFoundError (a free
    registration), PaymentNotPayableError (the event was cancelled), PaymentUnavailableError
    (online payment is off), PaymentProviderError.
    """
    registration = _owned_registration(registration_id=registration_id, user=user)
    if not registration.amount:
        raise PaymentNotFoundError()
    if registration.status == Registration.Status.HELD:
        if registration.event.status == Event.Status.CANCELLED:
            raise PaymentNotPayableError(
                "活动已取消，无需付款。The event is cancelled: nothing to pay."
            )
        if not settings.STRIPE_ENABLED:
            raise PaymentUnavailableError()
        payment = _ensure_registration_intent(registration=registration)
    else:
        found = Payment.objects.filter(registration=registration).first()
        if found is None:
            raise PaymentNotFoundError()
        payment = found
    return RegistrationPaymentPage(
        registration=registration,
        payment=payment,
        client_secret=payment.stripe_client_secret
        if payment.status == Payment.Status.REQUIRES_PAYMENT
        else "",
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        amount=payment.amount,
        currency=payment.currency,
        payment_method_types=list(payment.payment_method_types),
        hold_expires_at=registration.hold_expires_at,
    )


def pay_registration(
    *, registration_id: Any, user: AbstractBaseUser, payment_method: Any
) -> Registration:
    """Confirm the caller's held registration's PaymentIntent with a payment method id.

    Like pay_booking: for API clients, demos and tests; the result is applied at once.
    Raises RegistrationNotFoundError (also for someone else's), InvalidPaymentMethodError,
    PaymentNotPayableError, PaymentDeclinedError, PaymentUnavailableError, PaymentProviderError.
    """
    _check_payment_method(payment_method)
    registration = _owned_registration(registration_id=registration_id, user=user)
    if (
        registration.status != Registration.Status.HELD
        or not registration.amount
        or registration.event.status == Event.Status.CANCELLED
    ):
        raise PaymentNotPayableError(NOT_PAYABLE_REGISTRATION)
    if not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()
    _confirm_intent(
        payment=_ensure_registration_intent(registration=registration),
        payment_method=payment_method,
    )
    return Registration.objects.select_related("event").get(pk=registration.pk)


def cancel_registration(
    *, registration_id: Any, by_user: AbstractBaseUser, now: dt.datetime | None = None
) -> Registration:
    """Cancel the caller's registration (events.registrations.cancel_registration: the place goes to
    the waiting list at once), then settle its payment: an unpaid intent is canceled, a paid
    place is refunded in full while registration is still open (see `refund_deadline`).

    Raises what events.registrations.cancel_registration raises.
    """
    registration = event_services.cancel_registration(
        registration_id=registration_id, by_user=by_user, now=now
    )
    settle_cancelled_registration(registration_id=registration.pk)
    return registration


def refund_deadline(event: Event) -> dt.datetime | None:
    """Until when a cancelled paid registration is refunded: while registration is open, i.e.
    before `registration_closes_at`, else before the (last) occurrence starts; None (always)
    for an open-ended series. After it the place cannot be sold again, so the payment is kept."""
    return event.registration_closes_at or event.last_starts_at


def settle_cancelled_registration(*, registration_id: int) -> str:
    """Settle the payment of a cancelled registration; run after the cancellation committed.

    Idempotent (a payment is settled once), so `retry_pending_refunds` sweeps up a settlement a
    crash skipped. Returns the outcome.
    """
    after: list[Callable[[], object]] = []
    with transaction.atomic():
        outcome = _settle_registration_locked(registration_id=registration_id, after=after)
    _run_after(after)
    return outcome


def _settle_registration_locked(*, registration_id: int, after: list[Callable[[], object]]) -> str:
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event")
        .filter(pk=registration_id, status=Registration.Status.CANCELLED)
        .first()
    )
    if registration is None:
        return "not_cancelled"
    payment = Payment.objects.select_for_update().filter(registration_id=registration.pk).first()
    if payment is None:
        return "no_payment"
    event = registration.event
    deadline = refund_deadline(event)
    cancelled_at = registration.cancelled_at or timezone.now()
    in_time = deadline is None or cancelled_at < deadline
    return _settle_cancelled_payment(
        payment,
        what="registration",
        keep_payment=not in_time and event.status != Event.Status.CANCELLED,
        refund_reason="cancelled",
        after=after,
    )


def _mark_refund(payment: Payment, *, reason: str, after: list[Callable[[], object]]) -> None:
    payment.status = Payment.Status.REFUND_PENDING
    payment.refund_reason = reason
    payment.save(update_fields=["status", "refund_reason", "updated_at"])
    payment_id = payment.pk
    after.append(lambda: issue_refund(payment_id=payment_id))


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
            _mark_refund(payment, reason="event_cancelled", after=after)
            decided += 1
        _run_after(after)
    return decided


def _apply_registration_locked(
    *,
    payment_id: int,
    registration_id: int,
    status: str,
    error: str,
    now: dt.datetime,
    after: list[Callable[[], object]],
) -> str:
    """`_apply_locked` for a registration's payment: event row, registration row, payment row."""
    event_id = Registration.objects.values_list("event_id", flat=True).get(pk=registration_id)
    event = Event.objects.select_for_update().get(pk=event_id)
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if status == "succeeded":
        if payment.status in (
            Payment.Status.SUCCEEDED,
            Payment.Status.REFUND_PENDING,
            Payment.Status.REFUNDED,
        ):
            return "already_succeeded"
        payment.status = Payment.Status.SUCCEEDED
        payment.succeeded_at = now
        if (
            registration.status == Registration.Status.HELD
            and event.status != Event.Status.CANCELLED
        ):
            # Paid while the place is still reserved, even a little past the hold: keep it.
            event_services.confirm_registration(registration_id=registration.pk, now=now)
            payment.save(update_fields=["status", "succeeded_at", "updated_at"])
            return "confirmed"
        if registration.status == Registration.Status.HELD:  # the event was cancelled
            event_services.release_registration(registration_id=registration.pk, now=now)
            payment.save(update_fields=["status", "succeeded_at", "updated_at"])
            _mark_refund(payment, reason="event_cancelled", after=after)
            return "refund_event_cancelled"
        # The place was released (hold expired, payment failed, registration cancelled) before
        # the money arrived: give it back.
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
        _mark_refund(payment, reason="late_payment", after=after)
        return "refund_late_payment"
    if status in ("payment_failed", "canceled"):
        if payment.status != Payment.Status.REQUIRES_PAYMENT:
            return f"ignored_{status}_after_{payment.status}"
        payment.status = (
            Payment.Status.FAILED if status == "payment_failed" else Payment.Status.CANCELED
        )
        payment.last_error = error[:1000]
        payment.save(update_fields=["status", "last_error", "updated_at"])
        intent_id = payment.stripe_payment_intent_id
        if status == "payment_failed" and intent_id:
            after.append(lambda: _cancel_intent_quietly(intent_id))
        if registration.status == Registration.Status.HELD:
            event_services.release_registration(registration_id=registration.pk, now=now)
            return "released"
        return f"{status}_recorded"
    return f"ignored_{status}"


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
                if not event_services.expire_registration(registration_id=registration.pk, now=now):
                    continue
                expired += 1
                if payment is not None and payment.status == Payment.Status.REQUIRES_PAYMENT:
                    payment.status = Payment.Status.CANCELED
                    payment.last_error = "hold expired"
                    payment.save(update_fields=["status", "last_error", "updated_at"])
                    if payment.stripe_payment_intent_id:
                        intent_id = payment.stripe_payment_intent_id
                        after.append(functools.partial(_cancel_intent, intent_id))
        except EventsError as exc:  # busy: the next run tries again
            logger.warning("could not expire registration %s: %s", registration_id, exc)
            continue
        _run_after(after)
    return expired


def payment_due_message(registration: Registration, *, now: dt.datetime) -> EmailMessage | None:
    """The e-mail telling a resident promoted from a paid event's waiting list to a held place
    that it is theirs once they pay, by `hold_expires_at`; None once the hold has run out.
    Sent as the promotion notice (`booking.notifications.send_registration_promoted`)."""
    if registration.hold_expires_at is None or registration.hold_expires_at <= now:
        return None
    event = registration.event
    until = timezone.localtime(registration.hold_expires_at).strftime("%Y-%m-%d %H:%M")
    starts = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
    # No request here (the outbox sweeper sends it): SITE_URL, or the dev server's address.
    url = absolute_url(registration_payment_path(registration))
    return EmailMessage(
        subject=f"候补成功，请付款 A place for you, please pay: {event.title_zh}",
        body=(
            f"好消息：{event.title_zh}（{starts}）有名额了，已为您保留至 {until}。"
            f"请在此之前付款 ¥{registration.amount}，否则名额将让给下一位：\n{url}\n\n"
            f"Good news: a place opened up at {event.title_en or event.title_zh} "
            f"({starts}). It is held for you until {until}: pay "
            f"¥{registration.amount} by then to keep it, or it goes to the next "
            f"person waiting:\n{url}\n"
        ),
        to=[registration.resident.email],
    )


def _owned_registration(*, registration_id: Any, user: AbstractBaseUser) -> Registration:
    try:
        registration = Registration.objects.select_related("event").get(pk=int(registration_id))
    except (Registration.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise RegistrationNotFoundError() from exc
    if registration.resident_id != user.pk:
        raise RegistrationNotFoundError()  # someone else's: do not reveal that it exists
    return registration


# --- helpers -------------------------------------------------------------------------------


def _owned_booking(*, booking_id: Any, user: AbstractBaseUser) -> Booking:
    try:
        booking = Booking.objects.get(pk=int(booking_id))
    except (Booking.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise BookingNotFoundError() from exc
    if booking.resident_id != user.pk:
        raise BookingNotFoundError()  # someone else's: do not reveal that it exists
    return booking


def _run_after(calls: list[Callable[[], object]]) -> None:
    """Run work that must follow a commit (e-mails, Stripe calls); a failure is logged, not
    raised: the state is committed and the sweeps retry what matters (refunds, cancels).

    Explicit rather than `transaction.on_commit`, so that it also runs inside tests' wrapping
    transaction; the functions that call it own their transactions and run outside any other.
    """
    for call in calls:
        try:
            call()
        except Exception:
            logger.exception("post-commit step %r failed", call)
