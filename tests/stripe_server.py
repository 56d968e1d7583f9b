"""localstripe, the real fake Stripe server, on loopback for the test suite.

Run as a script, it serves localstripe's aiohttp app on 127.0.0.1 at a port the OS picks, with an
empty in-memory store (the stock command listens on every address and shares
/tmp/localstripe.pickle between runs), and prints the port on its first line.

The session fixture `localstripe` starts it in a subprocess once; the function fixture
`stripe_settings` empties its store and points the project's Stripe settings at it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import stripe

STRIPE_TEST_KEY = "sk_test_luohu_localstripe"
STRIPE_TEST_WEBHOOK_SECRET = "whsec_luohu_test_secret"
WEBHOOK = "/api/v1/payments/stripe/webhook/"


@dataclass(frozen=True)
class LocalStripe:
    url: str

    def flush(self) -> None:
        """Forget every object (`DELETE /_config/data`)."""
        request = urllib.request.Request(f"{self.url}/_config/data", method="DELETE")
        with urllib.request.urlopen(request, timeout=5):
            pass

    def register_webhook(self, *, url: str, secret: str, name: str = "luohu") -> None:
        """Make localstripe post its events, signed as Stripe signs them, to `url`."""
        data = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
        request = urllib.request.Request(f"{self.url}/_config/webhooks/{name}", data=data)
        with urllib.request.urlopen(request, timeout=5):
            pass


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_server"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        yield LocalStripe(url=f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a wedged server
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def stripe_settings(settings, localstripe: LocalStripe):  # type: ignore[no-untyped-def]
    """Stripe enabled, talking to a freshly emptied localstripe."""
    localstripe.flush()
    settings.STRIPE_SECRET_KEY = STRIPE_TEST_KEY
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_TEST_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_ENABLED = True
    return settings


def stripe_test_client() -> stripe.StripeClient:
    """A Stripe client for the test's own moves (what Stripe.js does in the browser)."""
    from django.conf import settings

    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def pay_at_stripe(intent_id: str, payment_method: str = "pm_card_visa") -> Any:
    """Attach a test payment method to an intent and confirm it, as the pay page would."""
    client = stripe_test_client()
    client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
    return client.v1.payment_intents.confirm(intent_id)


def refunds_at_stripe(intent_id: str) -> list[int]:
    """The amounts (in fen) refunded at Stripe for the intent `intent_id`."""
    listing = stripe_test_client().v1.refunds.list(params={"payment_intent": intent_id})
    return [r.amount for r in listing.data]


def signed_event(
    event_type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    secret: str = STRIPE_TEST_WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> tuple[bytes, str]:
    """A webhook body and its `Stripe-Signature` header, signed exactly as Stripe signs them."""
    created = int(time.time()) if timestamp is None else timestamp
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": event_type,
        "created": created,
        "data": {"object": obj},
    }
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, created)
    return payload.encode(), header


def deliver(event_type: str, obj: Any, **kwargs: Any) -> Any:
    """POST `obj` (a Stripe object, or its dict) to the project's webhook as a signed event of
    `event_type` (`signed_event`'s keywords pass through); return the response."""
    from rest_framework.test import APIClient  # Django is not set up when this runs as a script

    payload, header = signed_event(
        event_type, obj if isinstance(obj, dict) else obj.to_dict(), **kwargs
    )
    return APIClient().post(
        WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def _serve() -> None:  # pragma: no cover - runs in the subprocess
    import asyncio
    import logging

    from aiohttp import web
    from localstripe import resources, server

    # Keep the store in memory only: nothing is shared with other runs through /tmp.
    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    logging.getLogger("aiohttp").setLevel(logging.ERROR)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)

    asyncio.set_event_loop(asyncio.new_event_loop())
    web.run_app(server.app, sock=sock, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":  # pragma: no cover
    # Under a pinned test clock (LUOHU_TEST_NOW, tests/conftest.py) start at the test run's
    # instant: webhook signatures carry this clock's time, and a verifier refuses one that is
    # older than its tolerance (the test process restarts at the instant for every test, so this
    # clock is never behind it).
    offset = os.environ.get("LUOHU_TEST_CLOCK_OFFSET")
    if offset:
        import time_machine

        time_machine.travel(time.time() + float(offset), tick=True).start()
    _serve()
