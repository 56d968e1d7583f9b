"""A resident books a paid slot, pays with a test card on the pay page, sees it confirmed, then
cancels it in My bookings and is told about the refund: against localstripe, the fake Stripe
server the quick start runs (scripts/quickstart_stripe.py), with its webhook pointed at the site.
On a phone in Chinese and on a desktop in English."""

import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from booking.models import Booking
from payments.models import Payment, StripeEvent
from tests.e2e.conftest import ARTIFACTS, WAIT_MS, at, sign_in, tomorrow
from tests.e2e.devices import each_device
from tests.e2e.pages import click_for_answer, court_slot, device_page, venue_with_policy
from tests.factories import SportFactory, UserFactory
from tests.stripe_server import STRIPE_TEST_WEBHOOK_SECRET, stripe_test_client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WEBHOOK = "/api/v1/payments/stripe/webhook/"

ZH = {
    "court": "羽毛球1号场",
    "held": "已保留（待支付）",
    "card": "测试卡：支付成功",
    "pay": "支付 ¥40.00",
    "paid": "支付成功，预约已确认。",
    "confirmed": "已确认",
    "cancel": "取消预约",
    "yes": "确定取消",
    "cancelled": "已取消",
    "refund": "您支付的 ¥40.00 将原路退回。",
}
EN = {
    "court": "Badminton court 1",
    "held": "Held (awaiting payment)",
    "card": "Test card: payment succeeds",
    "pay": "Pay ¥40.00",
    "paid": "Paid: your booking is confirmed.",
    "confirmed": "Confirmed",
    "cancel": "Cancel booking",
    "yes": "Yes, cancel it",
    "cancelled": "Cancelled",
    "refund": "The ¥40.00 you paid is refunded to the card or account you paid with.",
}


@pytest.fixture
def paid_court():  # type: ignore[no-untyped-def]
    badminton = SportFactory()
    venue = venue_with_policy(
        sport=badminton, name_zh="罗湖体育中心（演示）", name_en="Luohu Sports Centre (demo)"
    )
    return court_slot(
        venue,
        at(tomorrow(), 19),
        name_zh="羽毛球1号场",
        name_en="Badminton court 1",
        sport=badminton,
        slot={"price": Decimal("40.00")},
    )


@pytest.fixture
def webhook_to_site(stripe_settings, localstripe, live_server):  # type: ignore[no-untyped-def]
    """localstripe posts its signed events to the live server, as in the quick start."""
    localstripe.register_webhook(
        url=f"{live_server.url}{WEBHOOK}", secret=STRIPE_TEST_WEBHOOK_SECRET
    )
    yield
    # Later tests deliver their own events: point localstripe's webhook at a dead port.
    localstripe.register_webhook(url="http://127.0.0.1:9/", secret=STRIPE_TEST_WEBHOOK_SECRET)


def wait_for_event(intent_id: str) -> StripeEvent:
    """The webhook's record of the intent's success (written last in its transaction)."""
    events = StripeEvent.objects.filter(
        type="payment_intent.succeeded", payment__stripe_payment_intent_id=intent_id
    ).exclude(outcome="")
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline and not events.exists():
        time.sleep(0.1)
    event = events.first()
    assert event is not None, "localstripe's payment_intent.succeeded webhook never arrived"
    return event


@each_device(ZH, EN)
def test_resident_pays_for_a_slot_with_a_test_card_then_cancels_it_for_a_refund(
    browser, live_server, paid_court, webhook_to_site, device, text, request
):
    with device_page(browser, device) as page:
        UserFactory(username="payer")
        base = live_server.url
        sign_in(page, base, "payer")

        # The venue grid offers the paid slot with its price; one click holds it and opens
        # the pay page.
        page.goto(f"{base}/venues/{paid_court.venue_id}/?day={tomorrow().isoformat()}")
        button = page.locator(f'button.slot[data-slot="{paid_court.pk}"]')
        expect(button).to_contain_text("¥40")
        assert click_for_answer(page, button, "POST", "/api/v1/bookings/").status == 201
        booking = Booking.objects.get(slot=paid_court)
        page.wait_for_url(f"{base}/bookings/{booking.pk}/pay/")
        expect(page.locator("main")).to_contain_text(text["court"])
        expect(page.locator("#pay-status")).to_have_text(text["held"])

        # Pay with the test card that succeeds.
        page.select_option("#pay-method", "pm_card_visa")
        expect(page.locator("#pay-method option:checked")).to_have_text(text["card"])
        pay = page.get_by_role("button", name=text["pay"])
        assert click_for_answer(page, pay, "POST", r"/api/v1/bookings/\d+/pay/").status == 200
        expect(page.locator("#pay-message")).to_contain_text(text["paid"])
        expect(page.locator("#pay-status")).to_have_text(text["confirmed"])
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED
        payment = Payment.objects.get(booking=booking)
        assert payment.status == Payment.Status.SUCCEEDED
        intent_id = payment.stripe_payment_intent_id
        assert intent_id
        # localstripe's signed webhook reaches the site and is accepted (the pay call applied
        # the success first, or the webhook did: either way once).
        assert wait_for_event(intent_id).outcome in {"confirmed", "already_succeeded"}
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-paid.png"), full_page=True)

        # My bookings: confirmed, with the refund promised; cancel it.
        page.locator("#pay-message a").click()
        item = page.locator(f"#booking-{booking.pk}")
        expect(item.locator('[data-role="status"]')).to_have_text(text["confirmed"])
        item.get_by_role("button", name=text["cancel"]).click()
        yes = item.get_by_role("button", name=text["yes"])
        assert click_for_answer(page, yes, "POST", r"/api/v1/bookings/\d+/cancel/").status == 200
        expect(page.locator("#bookings-message")).to_contain_text(text["refund"])
        expect(item.locator('[data-role="status"]')).to_have_text(text["cancelled"])
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-refunded.png"), full_page=True)

        # The money went back at (local) Stripe.
        payment.refresh_from_db()
        assert payment.status == Payment.Status.REFUNDED
        assert payment.amount_refunded == Decimal("40.00")
        refund = stripe_test_client().v1.refunds.retrieve(payment.stripe_refund_id)
        assert (refund.payment_intent, refund.amount, refund.status) == (
            intent_id,
            4000,
            "succeeded",
        )
