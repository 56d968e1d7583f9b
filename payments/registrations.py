"""Paying for event registrations.

`events.registrations.register` takes a HELD place on a paid event; the intent is created lazily
when the resident opens `/registrations/<id>/pay/` (`get_registration_payment_page`,
`pay_registration`; `start_registration_payment` for callers that want it earlier), and the
webhook (`payments.webhooks`, `payments.outcomes`) confirms
(`events.registrations.confirm_registration`) or releases
(`events.registrations.release_registration`, which promotes the waiting list) it. Lock order:
event row, registration row, then payment row. Cancelling a paid registration
(`cancel_registration` here) refunds it in full while registration is still open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from booking.exceptions import PaymentUnavailableError
from common.urls import absolute_url
from events import registrations as event_registrations
from events.exceptions import RegistrationNotFoundError
from events.models import Event, Registration
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
from payments.selectors import registration_payment_path

NOT_PAYABLE_REGISTRATION = gettext_lazy("This registration cannot be paid now.")


@dataclass(frozen=True)
class RegistrationPaymentPage(PayPage):
    registration: Registration


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
    return start_payment_intent(_intent_for(registration))


def _intent_for(registration: Registration) -> IntentFor:
    return IntentFor(
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
            raise PaymentNotPayableError(gettext("The event is cancelled: nothing to pay."))
        if not settings.STRIPE_ENABLED:
            raise PaymentUnavailableError()
        payment = ensure_payment_intent(**_intent_for(registration))
    else:
        payment = recorded_payment(registration=registration)
    return RegistrationPaymentPage(
        registration=registration, payment=payment, hold_expires_at=registration.hold_expires_at
    )


def pay_registration(
    *, registration_id: Any, user: AbstractBaseUser, payment_method: Any
) -> Registration:
    """Confirm the caller's held registration's PaymentIntent with a payment method id.

    Like pay_booking: for API clients, demos and tests; the result is applied at once.
    Raises RegistrationNotFoundError (also for someone else's), InvalidPaymentMethodError,
    PaymentNotPayableError, PaymentDeclinedError, PaymentUnavailableError, PaymentProviderError.
    """
    check_payment_method(payment_method)
    registration = _owned_registration(registration_id=registration_id, user=user)
    if (
        registration.status != Registration.Status.HELD
        or not registration.amount
        or registration.event.status == Event.Status.CANCELLED
    ):
        raise PaymentNotPayableError(str(NOT_PAYABLE_REGISTRATION))
    if not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()
    confirm_payment(
        payment=ensure_payment_intent(**_intent_for(registration)),
        payment_method=payment_method,
    )
    return Registration.objects.select_related("event").get(pk=registration.pk)


def cancel_registration(
    *, registration_id: Any, by_user: AbstractBaseUser, now: dt.datetime | None = None
) -> Registration:
    """Cancel the caller's registration (events.registrations.cancel_registration: the place goes
    to the waiting list at once), then settle its payment: an unpaid intent is canceled, a paid
    place is refunded in full while registration is still open (see `refund_deadline`).

    Raises what events.registrations.cancel_registration raises.
    """
    registration = event_registrations.cancel_registration(
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
    return settle_cancellation(
        Registration.objects.select_related("event"), pk=registration_id, terms=_settlement_terms
    )


def _settlement_terms(registration: Registration) -> SettlementTerms:
    event = registration.event
    deadline = refund_deadline(event)
    cancelled_at = registration.cancelled_at or timezone.now()
    in_time = deadline is None or cancelled_at < deadline
    return SettlementTerms(
        keep_payment=not in_time and event.status != Event.Status.CANCELLED,
        refund_reason="cancelled",
    )


def payment_due_message(registration: Registration, *, now: dt.datetime) -> EmailMessage | None:
    """The e-mail telling a resident promoted from a paid event's waiting list to a held place
    that it is theirs once they pay, by `hold_expires_at`; None once the hold has run out.
    Sent as the promotion notice (`events.notifications.send_registration_promoted`, which
    gets it from `payments.apps`)."""
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
    return owned(
        Registration.objects.select_related("event"),
        pk=registration_id,
        user=user,
        not_found=RegistrationNotFoundError,
    )
