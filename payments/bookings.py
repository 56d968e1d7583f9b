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

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from booking.exceptions import BookingNotFoundError
from booking.models import Booking
from payments.exceptions import PaymentNotFoundError, PaymentNotPayableError
from payments.intents import (
    IntentFor,
    check_payment_method,
    ensure_payment_intent,
    start_payment_intent,
)
from payments.models import Payment
from payments.outcomes import SettlementTerms, confirm_payment, settle_cancellation
from payments.pages import PayPage, owned, recorded_payment
from venues.policies import policy_for


@dataclass(frozen=True)
class PaymentPage(PayPage):
    booking: Booking


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
        payment = ensure_payment_intent(**_intent_for(booking))
    else:
        payment = recorded_payment(booking=booking)
    return PaymentPage(booking=booking, payment=payment, hold_expires_at=booking.hold_expires_at)


def start_payment(*, booking: Booking) -> Payment | None:
    """Record the payment of a freshly held booking and create its PaymentIntent.

    Call after the booking's transaction committed (never under the slot lock). A Stripe outage
    leaves the booking held without an intent; the pay page creates it later.
    Raises nothing: errors are logged.
    """
    if booking.status != Booking.Status.HELD or not booking.price:
        return None
    return start_payment_intent(_intent_for(booking))


def _intent_for(booking: Booking) -> IntentFor:
    return IntentFor(
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
    confirm_payment(
        payment=ensure_payment_intent(**_intent_for(booking)), payment_method=payment_method
    )
    booking.refresh_from_db()
    return booking


def settle_cancelled_booking(*, booking_id: int) -> str:
    """Settle the payment of a cancelled booking; run after the cancellation committed.

    An unpaid intent is canceled; a paid booking is refunded unless the cancellation was late
    and the venue's policy keeps late payments (`refund_late_cancellation` off). Idempotent: a
    payment is settled once, so `retry_pending_refunds` can sweep up a settlement that a crash
    between the cancellation and this call left undone. Returns the outcome.
    """
    return settle_cancellation(
        Booking.objects.select_related("venue__policy"), pk=booking_id, terms=_settlement_terms
    )


def _settlement_terms(booking: Booking) -> SettlementTerms:
    policy = policy_for(booking.venue)
    return SettlementTerms(
        keep_payment=booking.late_cancellation and not policy.refund_late_cancellation,
        refund_reason="late_cancellation" if booking.late_cancellation else "cancelled",
    )


def _owned_booking(*, booking_id: Any, user: AbstractBaseUser) -> Booking:
    return owned(Booking.objects.all(), pk=booking_id, user=user, not_found=BookingNotFoundError)
