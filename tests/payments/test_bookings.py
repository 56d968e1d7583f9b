"""Paid bookings against localstripe, a real fake Stripe server on loopback.

Webhooks are signed exactly as Stripe signs them; one test lets localstripe deliver its own.
"""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from booking import services
from booking.exceptions import PaymentUnavailableError
from booking.models import Booking, Slot, Strike
from payments.bookings import get_payment_page, pay_booking
from payments.exceptions import PaymentDeclinedError
from payments.models import Payment, StripeEvent
from payments.refunds import NO_REFUND_LATE, issue_refund
from payments.selectors import payment_path
from payments.sweeps import expire_holds, retry_pending_refunds
from tests.concurrency.helpers import race
from tests.factories import SlotFactory, UserFactory
from tests.stripe_server import (
    STRIPE_TEST_WEBHOOK_SECRET,
    WEBHOOK,
    deliver,
    pay_at_stripe,
    refunds_at_stripe,
    signed_event,
    stripe_test_client,
)

pytestmark = pytest.mark.django_db

PRICE = Decimal("50.00")


def paid_slot(resource, starts_in=dt.timedelta(hours=24), price=PRICE):  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) + starts_in
    return SlotFactory(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=1), price=price
    )


def hold(resident, resource, **kwargs):  # type: ignore[no-untyped-def]
    slot = paid_slot(resource, **kwargs)
    return services.place_booking(resident=resident, slot_id=slot.pk).booking


def intent_of(booking):  # type: ignore[no-untyped-def]
    payment = Payment.objects.get(booking=booking)
    return stripe_test_client().v1.payment_intents.retrieve(payment.stripe_payment_intent_id)


def test_paid_slot_is_held_with_a_cny_payment_intent(stripe_settings, resident, court):
    before = timezone.now()
    booking = hold(resident, court)
    assert booking.status == Booking.Status.HELD
    # The venue's policy keeps the place for its hold_minutes (10 by default).
    assert before + dt.timedelta(minutes=10) <= booking.hold_expires_at
    assert booking.hold_expires_at <= timezone.now() + dt.timedelta(minutes=10)
    booking.slot.refresh_from_db()
    assert booking.slot.remaining == 0

    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.REQUIRES_PAYMENT
    assert payment.amount == PRICE
    assert payment.payment_method_types == ["card", "alipay", "wechat_pay"]
    assert payment.stripe_client_secret.startswith(payment.stripe_payment_intent_id)
    intent = intent_of(booking)
    assert intent.amount == 5000  # fen
    assert intent.currency == "cny"
    assert intent.status == "requires_payment_method"
    assert intent.metadata.to_dict() == {
        "booking_id": str(booking.pk),
        "booking_uid": str(booking.uid),
    }
    assert payment_path(booking) == f"/bookings/{booking.pk}/pay/"


def test_hold_time_follows_the_venue_policy(stripe_settings, resident, court):
    court.venue.policy.hold_minutes = 3
    court.venue.policy.save()
    booking = hold(resident, court)
    remaining = booking.hold_expires_at - timezone.now()
    assert dt.timedelta(minutes=2) < remaining <= dt.timedelta(minutes=3)


def test_wallet_payment_method_types_are_configuration(stripe_settings, resident, court):
    stripe_settings.STRIPE_PAYMENT_METHOD_TYPES = ["alipay", "wechat_pay"]
    booking = hold(resident, court)
    payment = Payment.objects.get(booking=booking)
    assert payment.payment_method_types == ["alipay", "wechat_pay"]
    assert payment.stripe_payment_intent_id  # localstripe accepted the intent


def test_card_payment_confirmed_by_signed_webhook_confirms_the_booking(
    stripe_settings, resident, court
):
    booking = hold(resident, court)
    intent = pay_at_stripe(Payment.objects.get(booking=booking).stripe_payment_intent_id)
    assert intent.status == "succeeded"

    response = deliver("payment_intent.succeeded", intent)

    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "outcome": "confirmed"}
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.confirmed_at is not None
    assert Payment.objects.get(booking=booking).status == Payment.Status.SUCCEEDED
    # The confirmation e-mail carries the booking as an .ics.
    assert len(mail.outbox) == 1
    (name, content, mimetype) = mail.outbox[0].attachments[0]
    assert name == f"booking-{booking.pk}.ics"
    assert mimetype.startswith("text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(f"booking-{booking.uid}@")
    assert event.decoded("DTSTART") == booking.starts_at


def test_replayed_webhook_has_no_second_effect(stripe_settings, resident, court):
    booking = hold(resident, court)
    intent = pay_at_stripe(Payment.objects.get(booking=booking).stripe_payment_intent_id)
    payload, header = signed_event("payment_intent.succeeded", intent.to_dict(), event_id="evt_1")
    client = APIClient()

    first = client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    again = client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert first.json()["outcome"] == "confirmed"
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert StripeEvent.objects.filter(event_id="evt_1").count() == 1
    assert len(mail.outbox) == 1
    booking.refresh_from_db()
    assert booking.sequence == 1  # confirmed once


def test_same_payment_reported_by_two_events_confirms_once(stripe_settings, resident, court):
    booking = hold(resident, court)
    intent = pay_at_stripe(Payment.objects.get(booking=booking).stripe_payment_intent_id)
    assert deliver("payment_intent.succeeded", intent).json()["outcome"] == "confirmed"
    assert deliver("payment_intent.succeeded", intent).json()["outcome"] == "already_succeeded"
    assert len(mail.outbox) == 1


def test_expired_hold_releases_the_place_and_cancels_the_intent(stripe_settings, resident, court):
    booking = hold(resident, court)

    expired = expire_holds(now=booking.hold_expires_at + dt.timedelta(seconds=1))

    assert expired == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert Slot.objects.get(pk=booking.slot_id).remaining == 1
    assert Payment.objects.get(booking=booking).status == Payment.Status.CANCELED
    assert intent_of(booking).status == "canceled"
    # Someone else can book the place now.
    again = services.place_booking(resident=UserFactory(), slot_id=booking.slot_id).booking
    assert again.status == Booking.Status.HELD


def test_hold_is_kept_until_it_expires(stripe_settings, resident, court):
    booking = hold(resident, court)
    assert expire_holds(now=booking.hold_expires_at - dt.timedelta(seconds=1)) == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD


def test_payment_that_succeeded_as_the_hold_expired_is_refunded(stripe_settings, resident, court):
    booking = hold(resident, court)
    intent_id = Payment.objects.get(booking=booking).stripe_payment_intent_id
    pay_at_stripe(intent_id)  # paid in the last second; its webhook is still on the way

    expire_holds(now=booking.hold_expires_at + dt.timedelta(seconds=1))

    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert Slot.objects.get(pk=booking.slot_id).remaining == 1
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refund_reason == "late_payment"
    assert refunds_at_stripe(intent_id) == [5000]
    # The late webhook changes nothing and refunds nothing twice.
    assert deliver("payment_intent.succeeded", intent_of(booking)).json()["outcome"] == (
        "already_succeeded"
    )
    assert refunds_at_stripe(intent_id) == [5000]


def test_declined_card_releases_the_place(stripe_settings, resident, court):
    booking = hold(resident, court)
    with pytest.raises(PaymentDeclinedError):
        pay_booking(
            booking_id=booking.pk, user=resident, payment_method="pm_card_chargeCustomerFail"
        )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert Slot.objects.get(pk=booking.slot_id).remaining == 1
    assert Payment.objects.get(booking=booking).status == Payment.Status.FAILED


def test_failed_event_releases_the_place(stripe_settings, resident, court):
    booking = hold(resident, court)
    intent = intent_of(booking).to_dict()
    intent["last_payment_error"] = {"code": "card_declined", "message": "Your card was declined."}
    response = deliver("payment_intent.payment_failed", intent)
    assert response.json()["outcome"] == "released"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert Payment.objects.get(booking=booking).last_error == "Your card was declined."


def test_canceled_intent_releases_the_place(stripe_settings, resident, court):
    booking = hold(resident, court)
    intent = stripe_test_client().v1.payment_intents.cancel(
        Payment.objects.get(booking=booking).stripe_payment_intent_id
    )
    assert deliver("payment_intent.canceled", intent).json()["outcome"] == "released"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED


def test_failure_reported_after_success_is_ignored(stripe_settings, resident, court):
    booking = hold(resident, court)
    intent = pay_at_stripe(Payment.objects.get(booking=booking).stripe_payment_intent_id)
    deliver("payment_intent.succeeded", intent)

    response = deliver("payment_intent.payment_failed", intent)

    assert response.json()["outcome"] == "ignored_payment_failed_after_succeeded"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Slot.objects.get(pk=booking.slot_id).remaining == 0


def test_success_with_another_amount_confirms_nothing(stripe_settings, resident, court):
    booking = hold(resident, court)
    intent = intent_of(booking).to_dict()
    intent.update(status="succeeded", amount=100)
    response = deliver("payment_intent.succeeded", intent)
    assert response.json()["outcome"] == "amount_mismatch"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD


def paid_and_confirmed(resident, resource, **kwargs):  # type: ignore[no-untyped-def]
    booking = hold(resident, resource, **kwargs)
    intent_id = Payment.objects.get(booking=booking).stripe_payment_intent_id
    booking = pay_booking(booking_id=booking.pk, user=resident, payment_method="pm_card_visa")
    assert booking.status == Booking.Status.CONFIRMED
    return booking, intent_id


def test_cancelling_in_time_refunds_the_payment(stripe_settings, resident, court):
    booking, intent_id = paid_and_confirmed(resident, court)

    services.cancel_booking(booking_id=booking.pk, by_user=resident)

    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.amount_refunded == PRICE
    assert payment.refund_reason == "cancelled"
    assert refunds_at_stripe(intent_id) == [5000]
    assert not Strike.objects.exists()


def test_cancelling_after_the_deadline_keeps_the_payment(stripe_settings, resident, court):
    # Free cancellation ends 2 hours before the start; this slot starts in 1 hour.
    booking, intent_id = paid_and_confirmed(resident, court, starts_in=dt.timedelta(hours=1))

    cancelled = services.cancel_booking(booking_id=booking.pk, by_user=resident)

    assert cancelled.late_cancellation
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.refund_reason == NO_REFUND_LATE
    assert refunds_at_stripe(intent_id) == []
    assert Strike.objects.get(booking=booking).kind == Strike.Kind.LATE_CANCELLATION
    # The sweep does not reconsider it.
    assert retry_pending_refunds(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert refunds_at_stripe(intent_id) == []


def test_late_cancellation_is_refunded_when_the_policy_says_so(stripe_settings, resident, court):
    court.venue.policy.refund_late_cancellation = True
    court.venue.policy.save()
    booking, intent_id = paid_and_confirmed(resident, court, starts_in=dt.timedelta(hours=1))

    services.cancel_booking(booking_id=booking.pk, by_user=resident)

    assert Payment.objects.get(booking=booking).status == Payment.Status.REFUNDED
    assert refunds_at_stripe(intent_id) == [5000]


def test_staff_cancelling_late_always_refunds(stripe_settings, resident, staff_user, court):
    booking, intent_id = paid_and_confirmed(resident, court, starts_in=dt.timedelta(hours=1))
    services.cancel_booking(booking_id=booking.pk, by_user=staff_user)
    assert refunds_at_stripe(intent_id) == [5000]
    assert not Strike.objects.exists()


def test_cancelling_a_held_booking_cancels_its_intent(stripe_settings, resident, court):
    booking = hold(resident, court)
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert Payment.objects.get(booking=booking).status == Payment.Status.CANCELED
    assert intent_of(booking).status == "canceled"


def test_a_refund_is_issued_once(stripe_settings, resident, court):
    booking, intent_id = paid_and_confirmed(resident, court)
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    payment = Payment.objects.get(booking=booking)

    issue_refund(payment_id=payment.pk)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.REFUND_PENDING)
    issue_refund(payment_id=payment.pk)  # nothing left to refund

    assert refunds_at_stripe(intent_id) == [5000]
    payment.refresh_from_db()
    assert payment.amount_refunded == PRICE


def test_refund_that_failed_is_retried_by_the_sweep(stripe_settings, localstripe, resident, court):
    booking, intent_id = paid_and_confirmed(resident, court)
    stripe_settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.REFUND_PENDING
    assert payment.last_error

    stripe_settings.STRIPE_API_BASE = localstripe.url
    assert retry_pending_refunds(now=timezone.now() + dt.timedelta(minutes=2)) == 1
    assert refunds_at_stripe(intent_id) == [5000]


def test_stripe_outage_keeps_the_hold_and_the_pay_page_creates_the_intent(
    stripe_settings, localstripe, resident, court
):
    stripe_settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    booking = hold(resident, court)
    assert booking.status == Booking.Status.HELD
    assert Payment.objects.get(booking=booking).stripe_payment_intent_id is None

    stripe_settings.STRIPE_API_BASE = localstripe.url
    page = get_payment_page(booking_id=booking.pk, user=resident)
    assert page.client_secret
    assert page.amount == PRICE
    assert page.currency == "cny"


def test_free_slot_never_touches_stripe(stripe_settings, resident, court):
    stripe_settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # any Stripe call would fail
    slot = paid_slot(court, price=Decimal("0.00"))
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    assert booking.status == Booking.Status.CONFIRMED
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert not Payment.objects.exists()
    assert payment_path(booking) == ""


def test_paid_slot_without_stripe_keys_is_not_bookable_online(settings, resident, court):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_ENABLED = False
    slot = paid_slot(court)
    with pytest.raises(PaymentUnavailableError) as excinfo:
        services.place_booking(resident=resident, slot_id=slot.pk)
    assert excinfo.value.code == "payment_unavailable"
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_the_webhook_that_confirms_the_booking(
    stripe_settings, localstripe, live_server, resident, court
):
    localstripe.register_webhook(
        url=f"{live_server.url}{WEBHOOK}", secret=STRIPE_TEST_WEBHOOK_SECRET
    )
    try:
        booking = hold(resident, court)
        pay_at_stripe(Payment.objects.get(booking=booking).stripe_payment_intent_id)
        recorded = StripeEvent.objects.filter(type="payment_intent.succeeded", outcome="confirmed")
        # Wait for the event's record, the last write of the webhook's transaction: on SQLite
        # the live server shares this test's in-memory connection, so the booking's new status
        # shows before that transaction has finished.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not recorded.exists():
            time.sleep(0.2)
        assert recorded.exists()
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED
    finally:
        # Later tests deliver their own events: point localstripe's webhook at a dead port.
        localstripe.register_webhook(url="http://127.0.0.1:9/", secret=STRIPE_TEST_WEBHOOK_SECRET)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_residents_racing_for_the_last_paid_place(stripe_settings, court):
    slot = paid_slot(court)
    racers = [UserFactory(username="racer-a"), UserFactory(username="racer-b")]
    clients = [APIClient() for _ in racers]
    for client, user in zip(clients, racers, strict=True):
        client.force_authenticate(user)

    def book(client: APIClient) -> tuple[int, dict]:
        response = client.post("/api/v1/bookings/", {"slot": slot.pk}, format="json")
        return response.status_code, response.json()

    outcomes = race([lambda client=client: book(client) for client in clients])
    answers = {user.username: outcome for user, outcome in zip(racers, outcomes, strict=True)}

    statuses = sorted(code for code, _ in answers.values())
    assert statuses == [201, 409], answers
    winner = next(body for code, body in answers.values() if code == 201)
    loser = next(body for code, body in answers.values() if code == 409)
    assert winner["status"] == "held"
    assert winner["payment_url"] == f"/bookings/{winner['id']}/pay/"
    assert winner["hold_expires_at"]
    assert loser["code"] == "slot_taken"
    assert Booking.objects.filter(slot=slot).count() == 1
    assert Payment.objects.count() == 1
    assert Slot.objects.get(pk=slot.pk).remaining == 0
