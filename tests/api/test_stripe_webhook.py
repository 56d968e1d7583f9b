"""POST /api/v1/payments/stripe/webhook/: signature checks; a bad request changes nothing."""

import json
import time

import pytest
from rest_framework.test import APIClient

from booking import services
from booking.models import Booking
from payments.models import Payment, StripeEvent
from tests.factories import SlotFactory
from tests.stripe_server import pay_at_stripe, signed_event

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments/stripe/webhook/"


@pytest.fixture
def paid_intent(stripe_settings, resident, court):  # type: ignore[no-untyped-def]
    """A held booking whose intent has been paid at Stripe; the webhook is still to come."""
    slot = SlotFactory(resource=court, price="80.00")
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    intent = pay_at_stripe(Payment.objects.get(booking=booking).stripe_payment_intent_id)
    return booking, intent.to_dict()


def post(payload: bytes, header: str | None):  # type: ignore[no-untyped-def]
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return APIClient().post(URL, data=payload, content_type="application/json", **extra)


def assert_nothing_changed(booking: Booking) -> None:
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    assert Payment.objects.get(booking=booking).status == Payment.Status.REQUIRES_PAYMENT
    assert not StripeEvent.objects.exists()


def test_correctly_signed_event_is_applied(paid_intent):
    booking, intent = paid_intent
    response = post(*signed_event("payment_intent.succeeded", intent))
    assert response.status_code == 200
    assert response.json()["outcome"] == "confirmed"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_wrong_secret_is_refused_and_changes_nothing(paid_intent):
    booking, intent = paid_intent
    response = post(*signed_event("payment_intent.succeeded", intent, secret="whsec_wrong"))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert_nothing_changed(booking)


def test_tampered_body_is_refused(paid_intent):
    booking, intent = paid_intent
    payload, header = signed_event("payment_intent.payment_failed", intent)
    tampered = payload.replace(b"payment_intent.payment_failed", b"payment_intent.succeeded")
    response = post(tampered, header)
    assert response.status_code == 400
    assert_nothing_changed(booking)


def test_missing_signature_is_refused(paid_intent):
    booking, intent = paid_intent
    payload, _ = signed_event("payment_intent.succeeded", intent)
    assert post(payload, None).status_code == 400
    assert post(payload, "garbage").status_code == 400
    assert_nothing_changed(booking)


def test_old_signed_event_is_refused(paid_intent):
    booking, intent = paid_intent
    stale = int(time.time()) - 3600
    response = post(*signed_event("payment_intent.succeeded", intent, timestamp=stale))
    assert response.status_code == 400
    assert_nothing_changed(booking)


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "evt_1"}', b"\xff\xfe"])
def test_signed_but_malformed_event_is_a_400(stripe_settings, body):
    import stripe

    now = int(time.time())
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode("latin-1"), stripe_settings.STRIPE_WEBHOOK_SECRET, now
    )
    response = post(body, header)
    assert response.status_code == 400
    assert response.json()["code"] in {"malformed_event", "invalid_signature"}
    assert not StripeEvent.objects.exists()


def test_unrelated_event_is_acknowledged_and_recorded(stripe_settings):
    payload, header = signed_event("customer.created", {"id": "cus_1", "object": "customer"})
    response = post(payload, header)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert StripeEvent.objects.get().type == "customer.created"


def test_event_for_an_unknown_intent_is_acknowledged(stripe_settings):
    obj = {"id": "pi_unknown", "object": "payment_intent", "amount": 100, "currency": "cny"}
    response = post(*signed_event("payment_intent.succeeded", obj))
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_intent"


def test_endpoint_without_a_configured_secret_refuses_everything(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = json.dumps({"id": "evt_1", "type": "x", "data": {"object": {}}}).encode()
    response = post(payload, "t=1,v1=abc")
    assert response.status_code == 400
    assert response.json()["code"] == "webhook_not_configured"


def test_only_post_is_allowed(stripe_settings):
    assert APIClient().get(URL).status_code == 405


@pytest.mark.parametrize("intent_id", [["pi_1"], {"a": 1}, 5, None])
def test_event_with_a_strange_object_id_is_acknowledged(stripe_settings, intent_id):
    obj = {"id": intent_id, "object": "payment_intent"}
    response = post(*signed_event("payment_intent.succeeded", obj))
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_intent"
