"""Paid event registrations against localstripe: held places, the webhook, expiry, refunds.

The same flow as paid bookings: events.registrations takes the held place, the payments app
creates the PaymentIntent when the pay page opens and applies what Stripe reports.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from booking.exceptions import PaymentUnavailableError
from common import notices
from events import registrations
from events.exceptions import PaymentUnavailableError as EventPaymentUnavailableError
from events.models import Event, Registration
from payments.exceptions import PaymentDeclinedError
from payments.models import Payment, StripeEvent
from payments.refunds import NO_REFUND_LATE
from payments.registrations import (
    cancel_registration,
    get_registration_payment_page,
    pay_registration,
    settle_cancelled_registration,
)
from payments.selectors import registration_payment_path
from payments.sweeps import expire_holds, retry_pending_refunds
from tests.factories import EventFactory, UserFactory
from tests.stripe_server import deliver, pay_at_stripe, refunds_at_stripe, stripe_test_client

pytestmark = pytest.mark.django_db

PRICE = Decimal("30.00")


def paid_event(**kwargs):  # type: ignore[no-untyped-def]
    return EventFactory(price=kwargs.pop("price", PRICE), **kwargs)


def register(event, resident, party_size=1):  # type: ignore[no-untyped-def]
    return registrations.register(
        event_id=event.pk, resident=resident, party_size=party_size
    ).registration


def open_pay_page(registration):  # type: ignore[no-untyped-def]
    page = get_registration_payment_page(
        registration_id=registration.pk, user=registration.resident
    )
    return page.payment


def intent(payment):  # type: ignore[no-untyped-def]
    return stripe_test_client().v1.payment_intents.retrieve(payment.stripe_payment_intent_id)


def count(event):  # type: ignore[no-untyped-def]
    return Event.objects.get(pk=event.pk).registered_count


def test_paid_registration_holds_the_place_without_calling_stripe(stripe_settings, resident):
    event = paid_event(capacity=2)
    before = timezone.now()

    registration = register(event, resident, party_size=2)

    assert registration.status == Registration.Status.HELD
    assert registration.amount == Decimal("60.00")  # price × party size
    assert before + dt.timedelta(minutes=10) <= registration.hold_expires_at
    assert registration.hold_expires_at <= timezone.now() + dt.timedelta(minutes=10)
    assert count(event) == 2  # the held place is taken
    # The intent is created lazily, when the pay page opens: a rush never waits on Stripe.
    assert not Payment.objects.filter(registration=registration).exists()
    assert registration_payment_path(registration) == (f"/registrations/{registration.pk}/pay/")


def test_hold_length_follows_the_setting(stripe_settings, resident):
    stripe_settings.BOOKING_HOLD_MINUTES = 3
    registration = register(paid_event(), resident)
    remaining = registration.hold_expires_at - timezone.now()
    assert dt.timedelta(minutes=2) < remaining <= dt.timedelta(minutes=3)


def test_pay_page_creates_one_cny_intent_for_price_times_party(stripe_settings, resident):
    registration = register(paid_event(), resident, party_size=3)

    payment = open_pay_page(registration)
    again = open_pay_page(registration)

    assert again.pk == payment.pk
    assert again.stripe_payment_intent_id == payment.stripe_payment_intent_id
    assert payment.amount == Decimal("90.00")
    assert payment.payment_method_types == ["card", "alipay", "wechat_pay"]
    at_stripe = intent(payment)
    assert at_stripe.amount == 9000  # fen
    assert at_stripe.currency == "cny"
    assert at_stripe.metadata.to_dict() == {
        "registration_id": str(registration.pk),
        "registration_uid": str(registration.uid),
        "event_id": str(registration.event_id),
    }


def test_card_payment_and_signed_webhook_confirm_the_registration(stripe_settings, resident):
    event = paid_event()
    registration = register(event, resident)
    payment = open_pay_page(registration)
    paid = pay_at_stripe(payment.stripe_payment_intent_id, "pm_card_visa")
    assert paid.status == "succeeded"

    response = deliver("payment_intent.succeeded", paid)

    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "outcome": "confirmed"}
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.confirmed_at is not None
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    assert count(event) == 1  # confirming takes no second place


def test_replayed_and_repeated_webhooks_have_no_second_effect(stripe_settings, resident):
    registration = register(paid_event(), resident)
    paid = pay_at_stripe(open_pay_page(registration).stripe_payment_intent_id)

    assert deliver("payment_intent.succeeded", paid, event_id="evt_r1").json()["outcome"] == (
        "confirmed"
    )
    assert deliver("payment_intent.succeeded", paid, event_id="evt_r1").json()["outcome"] == (
        "duplicate"
    )
    # Another event about the same success (Stripe may send both): still once.
    assert deliver("payment_intent.succeeded", paid).json()["outcome"] == "already_succeeded"
    # A failure arriving out of order after the success changes nothing.
    outcome = deliver("payment_intent.payment_failed", paid).json()["outcome"]
    assert outcome == "ignored_payment_failed_after_succeeded"

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.sequence == 1
    assert StripeEvent.objects.filter(event_id="evt_r1").count() == 1


def test_server_side_pay_confirms_at_once_and_the_late_webhook_is_a_no_op(
    stripe_settings, resident
):
    registration = register(paid_event(), resident)

    confirmed = pay_registration(
        registration_id=registration.pk, user=resident, payment_method="pm_card_visa"
    )

    assert confirmed.status == Registration.Status.CONFIRMED
    payment = Payment.objects.get(registration=registration)
    assert deliver("payment_intent.succeeded", intent(payment)).json()["outcome"] == (
        "already_succeeded"
    )


def test_expired_hold_releases_the_place_and_promotes_the_waiting_list(stripe_settings, resident):
    event = paid_event(capacity=1)
    held = register(event, resident)
    payment = open_pay_page(held)
    waiting = register(event, UserFactory())
    assert waiting.status == Registration.Status.WAITLISTED

    expired = expire_holds(now=held.hold_expires_at + dt.timedelta(seconds=1))

    assert expired == 1
    held.refresh_from_db()
    assert held.status == Registration.Status.EXPIRED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED
    assert intent(payment).status == "canceled"
    # The next in line gets the place, held for them to pay (never for free).
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.HELD
    assert waiting.promoted_at is not None
    assert waiting.amount == PRICE
    assert waiting.hold_expires_at > timezone.now() + dt.timedelta(minutes=100)
    assert count(event) == 1
    assert registration_payment_path(waiting) == f"/registrations/{waiting.pk}/pay/"


def test_a_hold_is_kept_until_it_expires(stripe_settings, resident):
    held = register(paid_event(), resident)
    assert expire_holds(now=held.hold_expires_at - dt.timedelta(seconds=1)) == 0
    held.refresh_from_db()
    assert held.status == Registration.Status.HELD


def test_payment_after_the_hold_expired_is_refunded(stripe_settings, resident):
    event = paid_event()
    held = register(event, resident)
    intent_id = open_pay_page(held).stripe_payment_intent_id
    pay_at_stripe(intent_id)  # paid in the last second; the webhook is still on the way

    expire_holds(now=held.hold_expires_at + dt.timedelta(seconds=1))

    held.refresh_from_db()
    assert held.status == Registration.Status.EXPIRED
    assert count(event) == 0
    payment = Payment.objects.get(registration=held)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund_reason == "late_payment"
    assert refunds_at_stripe(intent_id) == [3000]
    assert deliver("payment_intent.succeeded", intent(payment)).json()["outcome"] == (
        "already_succeeded"
    )
    assert refunds_at_stripe(intent_id) == [3000]


def test_declined_card_releases_the_place(stripe_settings, resident):
    event = paid_event(capacity=1)
    held = register(event, resident)

    with pytest.raises(PaymentDeclinedError):
        pay_registration(
            registration_id=held.pk, user=resident, payment_method="pm_card_chargeCustomerFail"
        )

    held.refresh_from_db()
    assert held.status == Registration.Status.EXPIRED
    assert count(event) == 0
    assert Payment.objects.get(registration=held).status == Payment.Status.FAILED


def test_cancelling_a_paid_registration_in_time_refunds_it_in_full(stripe_settings, resident):
    event = paid_event(capacity=1)
    registration = register(event, resident, party_size=1)
    pay_registration(registration_id=registration.pk, user=resident, payment_method="pm_card_visa")
    waiting = register(event, UserFactory())

    cancelled = cancel_registration(registration_id=registration.pk, by_user=resident)

    assert cancelled.status == Registration.Status.CANCELLED
    payment = Payment.objects.get(registration=registration)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund_reason == "cancelled"
    assert payment.amount_refunded == PRICE
    assert refunds_at_stripe(payment.stripe_payment_intent_id) == [3000]
    # Settling again refunds nothing twice.
    assert settle_cancelled_registration(registration_id=registration.pk) == ("already_settled")
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.HELD  # promoted, to pay in turn


def test_no_refund_once_registration_has_closed(stripe_settings, resident):
    now = timezone.now()
    event = paid_event(registration_closes_at=now + dt.timedelta(days=1))
    registration = register(event, resident)
    pay_registration(registration_id=registration.pk, user=resident, payment_method="pm_card_visa")

    cancel_registration(
        registration_id=registration.pk, by_user=resident, now=now + dt.timedelta(days=2)
    )

    payment = Payment.objects.get(registration=registration)
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.refund_reason == NO_REFUND_LATE
    assert refunds_at_stripe(payment.stripe_payment_intent_id) == []


def test_cancelling_a_held_registration_cancels_its_intent(stripe_settings, resident):
    event = paid_event()
    held = register(event, resident)
    payment = open_pay_page(held)

    cancel_registration(registration_id=held.pk, by_user=resident)

    assert count(event) == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED
    assert intent(payment).status == "canceled"


def test_a_cancelled_event_refunds_its_paid_places(stripe_settings, resident):
    event = paid_event()
    registration = register(event, resident)
    pay_registration(registration_id=registration.pk, user=resident, payment_method="pm_card_visa")
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)

    retry_pending_refunds()

    payment = Payment.objects.get(registration=registration)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund_reason == "event_cancelled"
    assert refunds_at_stripe(payment.stripe_payment_intent_id) == [3000]


def test_stripe_disabled_refuses_paid_registrations(settings, resident):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_ENABLED = False
    event = paid_event()
    with pytest.raises(EventPaymentUnavailableError):
        register(event, resident)
    assert count(event) == 0
    assert not Registration.objects.filter(event=event).exists()


def test_stripe_disabled_keeps_the_waiting_list_waiting_on_a_paid_event(settings, resident):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_ENABLED = False
    event = paid_event(capacity=1)
    Event.objects.filter(pk=event.pk).update(registered_count=1)
    taken = Registration.objects.create(
        event=event, resident=UserFactory(), status=Registration.Status.CONFIRMED
    )
    waiting = Registration.objects.create(
        event=event, resident=resident, status=Registration.Status.WAITLISTED
    )

    registrations.cancel_registration(registration_id=taken.pk, by_user=taken.resident)

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.WAITLISTED  # never a paid place for free


def test_pay_page_without_stripe_says_payment_is_unavailable(settings, stripe_settings, resident):
    held = register(paid_event(), resident)
    settings.STRIPE_ENABLED = False
    with pytest.raises(PaymentUnavailableError):
        get_registration_payment_page(registration_id=held.pk, user=resident)


def test_free_events_never_touch_stripe(settings, resident):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_ENABLED = False
    event = EventFactory(price=Decimal("0.00"), capacity=1)

    registration = register(event, resident)

    assert registration.status == Registration.Status.CONFIRMED
    assert registration.hold_expires_at is None
    assert registration_payment_path(registration) == ""
    cancel_registration(registration_id=registration.pk, by_user=resident)
    assert not Payment.objects.exists()


def test_a_price_raised_meanwhile_is_charged_not_given_free(stripe_settings, resident):
    event = EventFactory(price=Decimal("0.00"))
    stale = Event.objects.get(pk=event.pk)
    Event.objects.filter(pk=event.pk).update(price=PRICE)  # raised after the read

    result = registrations._insert_registration(  # the transaction body of register
        event=stale, resident=resident, size=1, now=timezone.now()
    )

    assert result.registration.status == Registration.Status.HELD
    assert result.registration.amount == PRICE


def test_promoted_resident_is_told_to_pay_once(stripe_settings, resident):
    event = paid_event(capacity=1)
    held = register(event, resident)
    waiting = register(event, UserFactory(email="next@example.com"))
    cancel_registration(registration_id=held.pk, by_user=resident)

    # The promotion owed its notice in the cancelling transaction; the outbox sends it once.
    assert notices.send_due_notices() == 1
    assert notices.send_due_notices() == 0

    (message,) = mail.outbox
    assert message.to == ["next@example.com"]
    assert f"/registrations/{waiting.pk}/pay/" in message.body
    assert "¥30.00" in message.body
    # Once paid, the plain "you have a place" notice is not sent on top.
    pay_registration(
        registration_id=waiting.pk, user=waiting.resident, payment_method="pm_card_visa"
    )
    assert notices.send_due_notices() == 0
    assert len(mail.outbox) == 1


def test_a_settlement_skipped_by_a_crash_is_swept_up(stripe_settings, resident):
    registration = register(paid_event(), resident)
    pay_registration(registration_id=registration.pk, user=resident, payment_method="pm_card_visa")
    # Cancelled through the events service alone, as if the process died before settling.
    registrations.cancel_registration(registration_id=registration.pk, by_user=resident)
    assert Payment.objects.get(registration=registration).status == Payment.Status.SUCCEEDED

    retry_pending_refunds(now=timezone.now() + dt.timedelta(minutes=2))

    payment = Payment.objects.get(registration=registration)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund_reason == "cancelled"


def test_admin_lists_registration_payments(stripe_settings, resident, client):
    registration = register(paid_event(), resident)
    open_pay_page(registration)
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))

    response = client.get("/admin/payments/payment/?q=" + resident.username)

    assert response.status_code == 200
    assert str(registration) in response.content.decode()
