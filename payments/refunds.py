"""Refunds: a payment marked `refund_pending` is refunded at Stripe after the commit that decided
it (`mark_refund`), or by the sweep (`payments.sweeps.retry_pending_refunds`) if that failed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from django.db import transaction
from django.utils import timezone

from payments import stripe_client
from payments.models import Payment

logger = logging.getLogger(__name__)

# `Payment.refund_reason` of a late cancellation whose payment the venue keeps.
NO_REFUND_LATE = "late_cancellation_not_refunded"


def mark_refund(payment: Payment, *, reason: str, after: list[Callable[[], object]]) -> None:
    """Decide to refund a locked, succeeded payment; the refund is issued after the commit."""
    payment.status = Payment.Status.REFUND_PENDING
    payment.refund_reason = reason
    payment.save(update_fields=["status", "refund_reason", "updated_at"])
    payment_id = payment.pk
    after.append(lambda: issue_refund(payment_id=payment_id))


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
                payment.stripe_refund_id = stripe_client.create_refund(
                    # A refund is only due on a payment that reached Stripe.
                    intent_id=cast(str, payment.stripe_payment_intent_id),
                    amount=amount,
                    idempotency_key=(
                        "luohu-refund-"
                        f"{payment.pk}-{stripe_client.to_minor_units(payment.amount_refunded)}"
                    ),
                )
                payment.amount_refunded += amount
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
    except stripe_client.StripeFailure as exc:
        logger.warning("refund of payment %s failed, will retry: %s", payment_id, exc)
        Payment.objects.filter(pk=payment_id).update(last_error=str(exc)[:1000])
        return Payment.objects.get(pk=payment_id)
