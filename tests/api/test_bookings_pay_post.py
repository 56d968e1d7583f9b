"""POST /api/v1/bookings/{id}/pay/ and GET .../payment/: paying a held booking."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from booking.models import Booking
from payments.models import Payment
from payments.sweeps import expire_holds
from tests.api.helpers import client_for
from tests.factories import SlotFactory
from tests.stripe_server import pay_at_stripe

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(stripe_settings, resident_client, court):  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    slot = SlotFactory(
        resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), price=Decimal("60")
    )
    response = resident_client.post("/api/v1/bookings/", {"slot": slot.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_held_booking_shows_where_to_pay(held):
    assert held["status"] == "held"
    assert held["price"] == "60.00"
    assert held["payment_url"] == f"/bookings/{held['id']}/pay/"
    assert held["hold_expires_at"]
    assert held["checkin_code"] == ""
    assert held["checkin_qr"] == ""


def test_payment_page_data_for_the_owner(resident_client, held):
    response = resident_client.get(f"/api/v1/bookings/{held['id']}/payment/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "requires_payment"
    assert body["amount"] == "60.00"
    assert body["currency"] == "cny"
    assert body["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert body["client_secret"].startswith("pi_")
    assert response["Cache-Control"] == "no-store"


def test_payment_page_of_someone_elses_booking_is_not_found(other_resident, held):
    client = client_for(other_resident)
    assert client.get(f"/api/v1/bookings/{held['id']}/payment/").status_code == 404
    response = client.post(
        f"/api/v1/bookings/{held['id']}/pay/", {"payment_method": "pm_card_visa"}, format="json"
    )
    assert response.status_code == 404


def test_paying_with_a_card_confirms_the_booking(resident_client, held):
    response = resident_client.post(
        f"/api/v1/bookings/{held['id']}/pay/", {"payment_method": "pm_card_visa"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["payment_url"] == ""
    assert body["checkin_code"]
    assert body["checkin_qr"].endswith("/qr.svg")
    # Paid already: a second attempt is refused.
    again = resident_client.post(
        f"/api/v1/bookings/{held['id']}/pay/", {"payment_method": "pm_card_visa"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "not_payable"


def test_declined_card_is_a_422_and_releases_the_place(resident_client, held):
    response = resident_client.post(
        f"/api/v1/bookings/{held['id']}/pay/",
        {"payment_method": "pm_card_chargeCustomerFail"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "payment_declined"
    assert Booking.objects.get(pk=held["id"]).status == Booking.Status.EXPIRED


@pytest.mark.parametrize("method", ["", "card_visa", "pm_" + "x" * 300, 5, None])
def test_bad_payment_method_is_a_400(resident_client, held, method):
    response = resident_client.post(
        f"/api/v1/bookings/{held['id']}/pay/", {"payment_method": method}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "invalid_payment_method"}


def test_unknown_payment_method_at_stripe_is_a_400(resident_client, held):
    response = resident_client.post(
        f"/api/v1/bookings/{held['id']}/pay/", {"payment_method": "pm_nonexistent"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payment_method"
    assert Booking.objects.get(pk=held["id"]).status == Booking.Status.HELD


def test_free_booking_has_no_payment(resident_client, court):
    slot = SlotFactory(resource=court)
    booking = resident_client.post("/api/v1/bookings/", {"slot": slot.pk}, format="json").json()
    response = resident_client.get(f"/api/v1/bookings/{booking['id']}/payment/")
    assert response.status_code == 404
    assert response.json()["code"] == "payment_not_found"


def test_pay_after_paying_on_the_pay_page_confirms_without_the_webhook(resident_client, held):
    pay_at_stripe(Payment.objects.get(booking_id=held["id"]).stripe_payment_intent_id)
    response = resident_client.post(
        f"/api/v1/bookings/{held['id']}/pay/", {"payment_method": "pm_card_visa"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"


def test_payment_page_of_an_expired_hold_has_no_secret(resident_client, held):
    booking = Booking.objects.get(pk=held["id"])
    expire_holds(now=booking.hold_expires_at + dt.timedelta(seconds=1))
    body = resident_client.get(f"/api/v1/bookings/{held['id']}/payment/").json()
    assert body["status"] == "canceled"
    assert body["client_secret"] == ""
