"""Real races on PostgreSQL around paid event registrations (own connection per thread)."""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from events import registrations
from events.exceptions import EventBusyError
from events.models import Event, Registration
from payments.models import Payment
from payments.outcomes import apply_intent_status
from payments.registrations import get_registration_payment_page
from payments.sweeps import expire_holds
from tests.factories import EventFactory, UserFactory
from tests.races import race_for_codes
from tests.stripe_server import pay_at_stripe

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    return race_for_codes(calls, refusals=(EventBusyError,))


def test_thirty_residents_racing_for_three_paid_places_get_three_holds(stripe_settings):
    event = EventFactory(price=Decimal("20.00"), capacity=3)
    users = [UserFactory(username=f"payracer{i}") for i in range(30)]

    outcomes = Counter(
        _race(
            [
                (
                    lambda u=u: (
                        registrations.register(event_id=event.pk, resident=u).registration.status
                    )
                )
                for u in users
            ]
        )
    )

    assert outcomes["held"] == 3
    assert outcomes["held"] + outcomes["waitlisted"] + outcomes["busy"] == 30
    assert Event.objects.get(pk=event.pk).registered_count == 3
    assert Registration.objects.filter(event=event, status="confirmed").count() == 0


def test_payment_and_expiry_racing_for_one_hold_have_exactly_one_effect(stripe_settings):
    event = EventFactory(price=Decimal("20.00"), capacity=1)
    resident = UserFactory(username="payer")
    held = registrations.register(event_id=event.pk, resident=resident).registration
    page = get_registration_payment_page(registration_id=held.pk, user=resident)
    intent_id = page.payment.stripe_payment_intent_id
    pay_at_stripe(intent_id)  # paid at Stripe, the webhook and the expiry job arrive together
    after_hold = held.hold_expires_at + dt.timedelta(seconds=1)

    _race(
        [
            lambda: apply_intent_status(intent_id=intent_id, status="succeeded"),
            lambda: expire_holds(now=after_hold),
        ]
    )

    held.refresh_from_db()
    payment = Payment.objects.get(pk=page.payment.pk)
    count = Event.objects.get(pk=event.pk).registered_count
    if held.status == Registration.Status.CONFIRMED:
        assert payment.status == Payment.Status.SUCCEEDED
        assert count == 1
    else:  # expired first: the money that arrived is given back
        assert held.status == Registration.Status.EXPIRED
        assert payment.status == Payment.Status.REFUNDED
        assert count == 0
