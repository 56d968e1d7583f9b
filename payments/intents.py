"""PaymentIntents: the payment row of a booking or registration and its intent at Stripe.

PaymentIntents rather than Checkout Sessions: an intent lives as long as the hold and can be
canceled when the hold expires, the pay page stays ours (bilingual, shows the hold countdown),
Alipay and WeChat Pay work through the same intent, and intents exist in localstripe, the fake
Stripe server the tests run against. Stripe is never called while a slot, event or
registration row is locked; a refund holds only its payment row while it calls Stripe.

Also `run_after`, how the payment code runs work that must follow a commit (e-mails, Stripe
calls): every function that owns a transaction collects such work in a list and runs it after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.db import IntegrityError, transaction

from payments import stripe_client
from payments.exceptions import InvalidPaymentMethodError, PaymentProviderError
from payments.models import Payment

logger = logging.getLogger(__name__)

CURRENCY = "cny"


def ensure_payment_intent(
    *, target: dict[str, Any], amount: Decimal, metadata: dict[str, str]
) -> Payment:
    """The target's payment row, with its PaymentIntent created at Stripe if it has none yet.

    `target` is `{"booking": booking}` or `{"registration": registration}`.
    Raises PaymentProviderError (Stripe failed; the row stays, without an intent).
    """
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
        intent_id, client_secret = stripe_client.create_intent(
            amount=payment.amount,
            currency=payment.currency,
            payment_method_types=payment.payment_method_types,
            metadata=metadata,
            # Two racing requests create one intent at Stripe.
            idempotency_key=f"luohu-payment-{payment.pk}",
        )
    except stripe_client.StripeFailure as exc:
        logger.warning("could not create a PaymentIntent for %s: %s", metadata, exc)
        raise PaymentProviderError() from exc
    stored = Payment.objects.filter(pk=payment.pk, stripe_payment_intent_id__isnull=True).update(
        stripe_payment_intent_id=intent_id, stripe_client_secret=client_secret
    )
    if not stored:
        logger.info("payment %s got its intent concurrently; dropping %s", payment.pk, intent_id)
        cancel_intent_quietly(intent_id)
    payment.refresh_from_db()
    return payment


class IntentFor(TypedDict):
    """The keywords of `ensure_payment_intent` for one booking or registration."""

    target: dict[str, Any]
    amount: Decimal
    metadata: dict[str, str]


def start_payment_intent(intent: IntentFor) -> Payment | None:
    """`ensure_payment_intent` for callers that must not fail: after a Stripe outage, the payment
    row without its intent (the pay page creates it later), or None. Raises nothing."""
    try:
        return ensure_payment_intent(**intent)
    except PaymentProviderError:
        return Payment.objects.filter(**intent["target"]).first()


def check_payment_method(payment_method: Any) -> None:
    """Raises InvalidPaymentMethodError unless `payment_method` looks like a Stripe pm_ id."""
    if not isinstance(payment_method, str) or not payment_method.startswith("pm_"):
        raise InvalidPaymentMethodError(fields={"payment_method": ["A pm_... id is required."]})
    if len(payment_method) > 255 or not payment_method.isascii():
        raise InvalidPaymentMethodError(fields={"payment_method": ["Not a payment method id."]})


def cancel_intent_quietly(intent_id: str) -> None:
    """Cancel an intent nobody can pay any more; a failure is only logged."""
    try:
        stripe_client.cancel_intent(intent_id)
    except stripe_client.StripeFailure as exc:
        logger.info("intent %s not canceled: %s", intent_id, exc)


def run_after(calls: list[Callable[[], object]]) -> None:
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
