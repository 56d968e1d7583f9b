"""The quick start's test payment server (scripts/quickstart_stripe.py, run by `make run`):
the localstripe it starts and the settings it exports take real payments through the project's
payment service, its webhook confirms a payment made in the browser, and it stops with the
development server."""

import datetime as dt
import importlib.util
import json
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
import stripe
from django.utils import timezone

from booking import services
from booking.models import Booking
from payments.bookings import pay_booking
from payments.models import Payment, StripeEvent
from tests.factories import BookingPolicyFactory, ResourceFactory, SlotFactory, UserFactory

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "quickstart_stripe.py"
WEBHOOK = "/api/v1/payments/stripe/webhook/"


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("quickstart_stripe", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


quickstart = load_script()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=2):
            return True
    except (urllib.error.URLError, ConnectionError):
        return False


def use(settings, env: dict[str, str]) -> stripe.StripeClient:  # type: ignore[no-untyped-def]
    """Apply the exported variables as config/settings.py does at start-up; a client for the
    test's own moves at the server (what Stripe.js does in the browser)."""
    assert env["STRIPE_SECRET_KEY"].startswith("sk_test_")
    assert env["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
    assert env["STRIPE_API_BASE"].startswith("http://127.0.0.1:")
    for name, value in env.items():
        setattr(settings, name, value)
    settings.STRIPE_ENABLED = True
    return stripe.StripeClient(
        env["STRIPE_SECRET_KEY"], base_addresses={"api": env["STRIPE_API_BASE"]}
    )


def hold_paid_slot(resident, hours: int) -> Booking:  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours)
    slot = SlotFactory(
        resource=ResourceFactory(),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        price=Decimal("40.00"),
    )
    BookingPolicyFactory(venue=slot.venue)
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    assert booking.status == Booking.Status.HELD
    return booking


@pytest.mark.django_db
def test_the_exported_settings_take_a_test_card_payment_and_refund_it(settings):
    server, env = quickstart.setup(port=0, webhook_url="http://127.0.0.1:9/unused/")
    try:
        client = use(settings, env)
        resident = UserFactory()
        # The pay page's path: the service creates the intent and confirms it with a test card.
        booking = hold_paid_slot(resident, hours=30)
        payment = Payment.objects.get(booking=booking)
        assert payment.stripe_payment_intent_id and payment.stripe_client_secret
        booking = pay_booking(booking_id=booking.pk, user=resident, payment_method="pm_card_visa")
        assert booking.status == Booking.Status.CONFIRMED
        intent = client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
        assert (intent.status, intent.amount, intent.currency) == ("succeeded", 4000, "cny")

        # Cancelling in time refunds in full at the server.
        services.cancel_booking(booking_id=booking.pk, by_user=resident)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.REFUNDED
        refund = client.v1.refunds.retrieve(payment.stripe_refund_id)
        assert (refund.payment_intent, refund.amount, refund.status) == (
            intent.id,
            4000,
            "succeeded",
        )
    finally:
        server.stop()
    assert not answers(server.url)


# PostgreSQL: on SQLite the live server shares the test's in-memory database, which the test's
# own reads lock against the webhook's writes (the quick start's file database does not).
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_registered_webhook_confirms_a_payment_made_at_stripe(
    settings, live_server, real_clock
):
    server, env = quickstart.setup(port=0, webhook_url=f"{live_server.url}{WEBHOOK}")
    try:
        client = use(settings, env)
        held = hold_paid_slot(UserFactory(), hours=30)
        intent_id = Payment.objects.get(booking=held).stripe_payment_intent_id
        # Paid at Stripe directly (as Stripe.js would): the webhook, signed with the exported
        # secret, confirms it.
        client.v1.payment_intents.update(intent_id, params={"payment_method": "pm_card_visa"})
        assert client.v1.payment_intents.confirm(intent_id).status == "succeeded"
        recorded = StripeEvent.objects.filter(
            type="payment_intent.succeeded", payment__booking=held, outcome="confirmed"
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not recorded.exists():
            time.sleep(0.2)
        assert recorded.exists(), "the webhook did not confirm the booking"
        held.refresh_from_db()
        assert held.status == Booking.Status.CONFIRMED
    finally:
        server.stop()


def run_main(monkeypatch, tmp_path, **environ):  # type: ignore[no-untyped-def]
    """Run the script as `make run` does, with a command that records what it was given."""
    for name in ("DEBUG", "LOCALSTRIPE", "STRIPE_SECRET_KEY", "STRIPE_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOCALSTRIPE_PORT", "0")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    seen = tmp_path / "seen.json"
    probe = (
        "import json, os, sys, urllib.request\n"
        "base = os.environ.get('STRIPE_API_BASE', '')\n"
        "up = bool(base) and urllib.request.urlopen(base + '/js.stripe.com/v3/').status == 200\n"
        f"json.dump({{'env': dict(os.environ), 'up': up}}, open({str(seen)!r}, 'w'))\n"
        "sys.exit(7)\n"
    )
    code = quickstart.main(
        ["--webhook-url", "http://127.0.0.1:9/hook/", "--", sys.executable, "-c", probe]
    )
    return code, json.loads(seen.read_text())


def test_make_run_gets_the_server_for_as_long_as_the_command_runs(monkeypatch, tmp_path):
    code, seen = run_main(monkeypatch, tmp_path, DEBUG="1")
    assert code == 7  # the command's own exit status
    assert seen["up"]
    base = seen["env"]["STRIPE_API_BASE"]
    assert base.startswith("http://127.0.0.1:")
    assert seen["env"]["STRIPE_SECRET_KEY"].startswith("sk_test_")
    assert not answers(base)  # stopped with the command


@pytest.mark.parametrize(
    "environ",
    [
        {"DEBUG": "0"},
        {"DEBUG": "1", "LOCALSTRIPE": "0"},
        {"DEBUG": "1", "STRIPE_SECRET_KEY": "sk_x"},
    ],
    ids=["production", "switched-off", "own-stripe-account"],
)
def test_no_test_server_without_debug_or_when_stripe_is_configured(monkeypatch, tmp_path, environ):
    code, seen = run_main(monkeypatch, tmp_path, **environ)
    assert code == 7
    assert not seen["up"]
    assert "STRIPE_API_BASE" not in seen["env"]
    assert seen["env"].get("STRIPE_SECRET_KEY", "") == environ.get("STRIPE_SECRET_KEY", "")
