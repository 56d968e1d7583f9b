"""Stripe webhooks: verified by signature, each event id processed once, then applied through the
state machine (`payments.outcomes`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from payments import stripe_client
from payments.exceptions import InvalidWebhookError
from payments.intents import run_after
from payments.models import Payment, StripeEvent
from payments.outcomes import apply_locked

logger = logging.getLogger(__name__)

INTENT_STATUS_OF_EVENT = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "payment_failed",
    "payment_intent.canceled": "canceled",
}


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
        stripe_client.verify_webhook(payload=payload, signature=signature, secret=secret)
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
        obj = event["data"]["object"]
        if not isinstance(obj, dict):
            raise TypeError("data.object is not an object")
    except stripe_client.BadSignature as exc:
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
    run_after(after)
    logger.info("stripe event %s (%s): %s", event_id, event_type, outcome)
    return outcome


def _event_outcome(
    *,
    event_type: str,
    obj: dict[str, Any],
    payment: Payment | None,
    after: list[Callable[[], object]],
) -> str:
    status = INTENT_STATUS_OF_EVENT.get(event_type)
    if status is None:
        return "ignored"
    if payment is None:
        return "unknown_intent"
    if status == "succeeded" and (
        obj.get("amount") != stripe_client.to_minor_units(payment.amount)
        or str(obj.get("currency", "")).lower() != payment.currency
    ):
        logger.error("payment %s: succeeded event with a different amount: %s", payment.pk, obj)
        return "amount_mismatch"
    error = ""
    last_error = obj.get("last_payment_error")
    if isinstance(last_error, dict):
        error = str(last_error.get("message") or last_error.get("code") or "")
    return apply_locked(payment_id=payment.pk, status=status, error=error, after=after)
