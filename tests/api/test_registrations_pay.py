"""Paid event registrations over HTTP: POST .../registrations/ → held, GET/POST
/api/v1/registrations/{id}/payment/ and /pay/, the pay page, the webhook, cancel → refund."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from events.models import Event, Registration
from payments.models import Payment
from tests.api.events_helpers import client_for
from tests.api.helpers import assert_error
from tests.factories import EventFactory, UserFactory
from tests.stripe_server import pay_at_stripe, signed_event

pytestmark = pytest.mark.django_db


def pay(user, registration: dict, payment_method: str):  # type: ignore[no-untyped-def]
    """POST /api/v1/registrations/{id}/pay/ as `user`."""
    return client_for(user).post(
        f"/api/v1/registrations/{registration['id']}/pay/",
        {"payment_method": payment_method},
        format="json",
    )


@pytest.fixture
def paid_event(db):  # type: ignore[no-untyped-def]
    return EventFactory(price=Decimal("25.50"), capacity=3)


@pytest.fixture
def held(stripe_settings, resident, paid_event):  # type: ignore[no-untyped-def]
    response = client_for(resident).post(
        f"/api/v1/events/{paid_event.pk}/registrations/", {"party_size": 2}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_registering_for_a_paid_event_holds_the_place_and_shows_where_to_pay(held, paid_event):
    assert held["status"] == "held"
    assert held["amount"] == "51.00"
    assert held["hold_expires_at"]
    assert held["payment_url"] == f"/registrations/{held['id']}/pay/"
    assert held["position"] is None
    assert Event.objects.get(pk=paid_event.pk).registered_count == 2


def test_the_event_shows_the_held_registration_as_mine(held, resident, paid_event):
    body = client_for(resident).get(f"/api/v1/events/{paid_event.pk}/").json()
    assert body["my_registration"]["status"] == "held"
    assert body["places_left"] == 1


def test_payment_data_for_the_owner_only(held, resident):
    response = client_for(resident).get(f"/api/v1/registrations/{held['id']}/payment/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["registration"] == held["id"]
    assert body["status"] == "requires_payment"
    assert body["amount"] == "51.00"
    assert body["currency"] == "cny"
    assert body["client_secret"].startswith("pi_")
    assert response["Cache-Control"] == "no-store"

    stranger = client_for(UserFactory()).get(f"/api/v1/registrations/{held['id']}/payment/")
    assert_error(stranger, 404, "registration_not_found")
    assert client_for(resident).get("/api/v1/registrations/x9/payment/").status_code == 404


def test_pay_with_a_test_card_confirms_the_registration(held, resident):
    response = pay(resident, held, "pm_card_visa")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["payment_url"] == ""
    again = pay(resident, held, "pm_card_visa")
    assert_error(again, 409, "not_payable")


def test_bad_payment_method_is_a_400(held, resident):
    response = pay(resident, held, "visa")
    assert_error(response, 400, "invalid_payment_method")


def test_declined_card_is_a_422_and_releases_the_place(held, resident, paid_event):
    response = pay(resident, held, "pm_card_chargeCustomerFail")
    assert_error(response, 422, "payment_declined")
    assert Registration.objects.get(pk=held["id"]).status == "expired"
    assert Event.objects.get(pk=paid_event.pk).registered_count == 0


def test_paid_from_the_pay_page_then_webhook_confirms(held, resident):
    page = client_for(resident).get(f"/api/v1/registrations/{held['id']}/payment/").json()
    intent_id = page["client_secret"].split("_secret")[0]
    intent = pay_at_stripe(intent_id)
    payload, header = signed_event("payment_intent.succeeded", intent.to_dict())

    response = APIClient().post(
        "/api/v1/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )

    assert response.json()["outcome"] == "confirmed"
    listing = client_for(resident).get("/api/v1/registrations/").json()
    assert listing["results"][0]["status"] == "confirmed"


def test_cancel_of_a_paid_registration_refunds_it(held, resident):
    pay(resident, held, "pm_card_visa")
    response = client_for(resident).post(f"/api/v1/registrations/{held['id']}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    payment = Payment.objects.get(registration_id=held["id"])
    assert payment.status == Payment.Status.REFUNDED
    assert payment.amount_refunded == Decimal("51.00")


def test_paid_event_without_stripe_is_a_422_payment_unavailable(settings, resident, paid_event):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_ENABLED = False
    response = client_for(resident).post(
        f"/api/v1/events/{paid_event.pk}/registrations/", {}, format="json"
    )
    assert_error(response, 422, "payment_unavailable")
    assert Event.objects.get(pk=paid_event.pk).registered_count == 0


def test_free_event_registration_is_confirmed_at_once(settings, resident):
    settings.STRIPE_ENABLED = False
    event = EventFactory()
    response = client_for(resident).post(f"/api/v1/events/{event.pk}/registrations/", {})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["payment_url"] == ""
    assert body["hold_expires_at"] is None
    assert body["amount"] == "0.00"


def test_the_pay_page_renders_for_the_owner(held, resident):
    client = APIClient()
    client.force_login(resident)
    response = client.get(held["payment_url"])
    assert response.status_code == 200
    assert b"51.00" in response.content
    assert f"/api/v1/registrations/{held['id']}/pay/".encode() in response.content
    other = APIClient()
    other.force_login(UserFactory())
    assert other.get(held["payment_url"]).status_code == 404


def test_a_held_place_of_a_cancelled_event_cannot_be_paid(held, resident, paid_event):
    Event.objects.filter(pk=paid_event.pk).update(status=Event.Status.CANCELLED)
    page = client_for(resident).get(f"/api/v1/registrations/{held['id']}/payment/")
    assert_error(page, 409, "not_payable")
    paid = pay(resident, held, "pm_card_visa")
    assert paid.status_code == 409
    assert "报名" in paid.json()["detail"]  # the registration, in the default language
    assert not Payment.objects.filter(registration_id=held["id"]).exists()


def test_event_page_says_a_paid_event_cannot_be_registered_for_without_stripe(
    settings, resident, paid_event
):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_ENABLED = False
    client = APIClient()
    client.force_login(resident)
    page = client.get(f"/events/{paid_event.pk}/").content.decode()
    assert "目前无法在线支付" in page  # Chinese is the default language
    assert 'id="register"' not in page
    english = client.get(f"/events/{paid_event.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "online payment is not available" in english


def test_event_page_offers_registration_for_a_paid_event_with_stripe(
    stripe_settings, resident, paid_event
):
    client = APIClient()
    client.force_login(resident)
    page = client.get(f"/events/{paid_event.pk}/").content.decode()
    assert 'id="register"' in page
