"""The Stripe API, as this service uses it. The only module of the project that imports `stripe`
(tests/payments/test_dependencies.py checks it).

Every call goes through one client per key and base address (`STRIPE_SECRET_KEY`,
`STRIPE_API_BASE`: localstripe in tests and the quick start), with a timeout and two network
retries. Stripe's errors come out as the three errors below, so that no other module needs to
know Stripe's exception classes:

- `CardDeclined`: the payment method was declined (Stripe's CardError);
- `RequestRefused`: Stripe refused the request (InvalidRequestError: an intent already
  canceled or succeeded, an unknown payment method, ...);
- `StripeUnavailable`: anything else (network, authentication, rate limits, API errors).

`str()` of each is Stripe's own message; `user_message` is Stripe's message meant for the
payer, when it has one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import stripe
from django.conf import settings

STRIPE_TIMEOUT_SECONDS = 15
WEBHOOK_TOLERANCE_SECONDS = 300


class StripeFailure(Exception):
    """A Stripe call failed; see the subclasses."""

    def __init__(self, message: str, *, user_message: str | None = None) -> None:
        super().__init__(message)
        self.user_message = user_message


class CardDeclined(StripeFailure):
    """The payment method was declined."""


class RequestRefused(StripeFailure):
    """Stripe refused the request as invalid (e.g. the intent is no longer payable)."""


class StripeUnavailable(StripeFailure):
    """Stripe could not be reached or failed."""


class BadSignature(Exception):
    """A webhook payload whose `Stripe-Signature` does not verify."""


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as exc:
        raise CardDeclined(str(exc), user_message=exc.user_message) from exc
    except stripe.InvalidRequestError as exc:
        raise RequestRefused(str(exc), user_message=exc.user_message) from exc
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc), user_message=exc.user_message) from exc


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


def create_intent(
    *,
    amount: Decimal,
    currency: str,
    payment_method_types: list[str],
    metadata: dict[str, str],
    idempotency_key: str,
) -> tuple[str, str]:
    """Create a PaymentIntent; return its id and client secret.

    Raises StripeFailure."""
    with _translated():
        intent = _client().v1.payment_intents.create(
            params={
                "amount": to_minor_units(amount),
                "currency": currency,
                # The stubs know only the newer `allowed_payment_method_types`; Stripe and
                # localstripe both take this one.
                "payment_method_types": payment_method_types,  # type: ignore[typeddict-unknown-key]
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    return intent.id, intent.client_secret or ""


def confirm_intent(intent_id: str, *, payment_method: str) -> str:
    """Confirm an intent with a payment method; return the intent's status.

    Raises CardDeclined, RequestRefused, StripeUnavailable."""
    client = _client()
    with _translated():
        # Real Stripe accepts `payment_method` on confirm; localstripe only on update.
        client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
        return client.v1.payment_intents.confirm(intent_id).status


def intent_status(intent_id: str) -> str:
    """The intent's status at Stripe ("succeeded", "canceled", ...). Raises StripeFailure."""
    with _translated():
        return _client().v1.payment_intents.retrieve(intent_id).status


def cancel_intent(intent_id: str) -> None:
    """Cancel an intent. Raises RequestRefused (already canceled or succeeded), StripeFailure."""
    with _translated():
        _client().v1.payment_intents.cancel(intent_id)


def create_refund(*, intent_id: str, amount: Decimal, idempotency_key: str) -> str:
    """Refund `amount` of a paid intent; return the refund's id. Raises StripeFailure."""
    with _translated():
        refund = _client().v1.refunds.create(
            params={"payment_intent": intent_id, "amount": to_minor_units(amount)},
            options={"idempotency_key": idempotency_key},
        )
    return refund.id


def verify_webhook(*, payload: bytes, signature: str | None, secret: str) -> None:
    """Check a webhook payload's `Stripe-Signature` (and its age). Raises BadSignature."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(str(exc)) from exc
