"""A real Celery worker (a subprocess on the machine's Redis) expires a hold through the broker."""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection
from django.utils import timezone

from booking import services
from booking.models import Booking, Payment, Slot
from tests.factories import SlotFactory
from tests.stripe_server import STRIPE_TEST_KEY, stripe_test_client

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = (
    os.environ.get("TEST_CELERY_BROKER_URL")
    or os.environ.get("REDIS_URL")
    or "redis://127.0.0.1:6379/5"
)


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def _wait_for(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_worker_expires_a_hold_and_cancels_its_intent(
    stripe_settings, localstripe, resident, court
):
    token = f"h5test-{uuid.uuid4().hex[:12]}"
    queue, hostname = token, f"{token}@localhost"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "-Q",
            queue,
            "-n",
            hostname,
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": BROKER_URL,
            "STRIPE_SECRET_KEY": STRIPE_TEST_KEY,
            "STRIPE_API_BASE": localstripe.url,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONWARNINGS": "ignore",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    probe = Celery("probe", broker=BROKER_URL)
    try:
        slot = SlotFactory(resource=court, price="30.00")
        booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
        intent_id = Payment.objects.get(booking=booking).stripe_payment_intent_id
        assert booking.status == Booking.Status.HELD
        assert Slot.objects.get(pk=slot.pk).remaining == 0
        # The hold ran out a moment ago (committed: the worker reads through its own connection).
        Booking.objects.filter(pk=booking.pk).update(
            hold_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )

        assert _wait_for(lambda: bool(probe.control.ping([hostname], timeout=0.5))), "no worker"
        probe.send_task("booking.expire_holds", queue=queue)

        assert _wait_for(
            lambda: Booking.objects.get(pk=booking.pk).status == Booking.Status.EXPIRED
        )
        assert Slot.objects.get(pk=slot.pk).remaining == 1
        assert Payment.objects.get(booking=booking).status == Payment.Status.CANCELED
        assert _wait_for(
            lambda: (
                stripe_test_client().v1.payment_intents.retrieve(intent_id).status == "canceled"
            ),
            timeout=10,
        )
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a wedged worker
            worker.kill()
            output, _ = worker.communicate()
        probe.close()
        client = redis.Redis.from_url(BROKER_URL)
        for key in client.scan_iter(f"*{token}*"):
            client.delete(key)
        client.close()
    assert "booking.expire_holds" in output, output
