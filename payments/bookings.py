"""Paying for bookings.

A paid slot is booked as a HELD booking that keeps its place for the policy's `hold_minutes`.
After that booking commits (`booking.signals.booking_held`), `start_payment` records a Payment
and creates a Stripe PaymentIntent in CNY with the configured payment method types (card,
Alipay, WeChat Pay). The resident pays on `/bookings/<id>/pay/` with Stripe.js and the intent's
client secret. Stripe reports the outcome by webhook (`payments.webhooks`); `pay_booking` can
also confirm an intent server-side and applies its result at once, through the same state
machine (`payments.outcomes`). A cancelled booking (`booking.signals.booking_cancelled`) has its
payment settled by `settle_cancelled_booking`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from booking.exceptions import BookingNotFoundError
from booking.models import Booking
from payments.exceptions import PaymentNotFoundError, PaymentNotPayableError, PaymentProviderError
from payments.intents import check_payment_method, ensure_payment_intent, run_after
from payments.models import Payment
from payments.outcomes import confirm_payment, settle_cancelled_payment
from venues.policies import policy_for


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
    return ensure_payment_intent(
        target={"booking": booking},
        amount=booking.price,
        metadata={"booking_id": str(booking.pk), "booking_uid": str(booking.uid)},
    )


def pay_booking(*, booking_id: Any, user: AbstractBaseUser, payment_method: Any) -> Booking:
    """Confirm the caller's held booking's PaymentIntent with a Stripe payment method id.

    The browser normally confirms with Stripe.js; this server-side path serves API clients, demos
    and tests. The result is applied at once (a later webhook for it is then a no-op).
    Raises BookingNotFoundError (also for a booking of someone else), InvalidPaymentMethodError,
    PaymentNotPayableError, PaymentDeclinedError, PaymentProviderError.
    """
    check_payment_method(payment_method)
    booking = _owned_booking(booking_id=booking_id, user=user)
    if booking.status != Booking.Status.HELD or not booking.price:
        raise PaymentNotPayableError()
    confirm_payment(payment=_ensure_intent(booking=booking), payment_method=payment_method)
    booking.refresh_from_db()
    return booking


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
    run_after(after)
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
    policy = policy_for(booking.venue)
    return settle_cancelled_payment(
        payment,
        what="booking",
        keep_payment=booking.late_cancellation and not policy.refund_late_cancellation,
        refund_reason="late_cancellation" if booking.late_cancellation else "cancelled",
        after=after,
    )


def _owned_booking(*, booking_id: Any, user: AbstractBaseUser) -> Booking:
    try:
        booking = Booking.objects.get(pk=int(booking_id))
    except (Booking.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise BookingNotFoundError() from exc
    if booking.resident_id != user.pk:
        raise BookingNotFoundError()  # someone else's: do not reveal that it exists
    return booking
