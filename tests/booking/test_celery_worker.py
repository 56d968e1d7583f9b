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
from django.conf import settings
from django.db import connection
from django.utils import timezone

from booking import services
from booking.models import Booking, Slot
from payments.models import Payment
from tests.factories import SlotFactory
from tests.redis_server import free_port, start_redis, stop_redis
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


def _start_worker(  # type: ignore[no-untyped-def]
    *,
    broker_url: str,
    queue: str,
    options: tuple[str, ...] = ("--pool", "solo"),
    env: dict[str, str] | None = None,
):
    """A worker subprocess as in production (DEBUG off) on `queue`, mails to locmem. `options`
    (the pool first) add to its command line, `env` to its environment."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            *options,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@localhost",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker_url,
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "CHECKIN_SIGNING_KEY": settings.CHECKIN_SIGNING_KEY,
            "SITE_URL": settings.SITE_URL,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONWARNINGS": "ignore",
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a wedged worker
        process.kill()
        output, _ = process.communicate()
    return output


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_worker_expires_a_hold_and_cancels_its_intent(
    stripe_settings, localstripe, resident, court
):
    token = f"h5test-{uuid.uuid4().hex[:12]}"
    queue, hostname = token, f"{token}@localhost"  # the worker's name: see _start_worker
    worker = _start_worker(
        broker_url=BROKER_URL,
        queue=queue,
        options=("--pool", "solo", "--without-heartbeat"),
        env={"STRIPE_SECRET_KEY": STRIPE_TEST_KEY, "STRIPE_API_BASE": localstripe.url},
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
        output = _stop(worker)
        probe.close()
        client = redis.Redis.from_url(BROKER_URL)
        for key in client.scan_iter(f"*{token}*"):
            client.delete(key)
        client.close()
    assert "booking.expire_holds" in output, output


# --- the outbox's sweeper in a real worker, and a worker that outlives its Redis ----------------


def _owe_a_confirmation(court, *, hour: int = 0) -> int:  # type: ignore[no-untyped-def]
    """A committed booking whose confirmation is owed and not sent (nobody rang)."""
    from common.models import Notice
    from tests.factories import UserFactory

    user = UserFactory(username=f"worker-{uuid.uuid4().hex[:8]}", email="w@example.com")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1, hours=hour)
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    booking = services.place_booking(resident=user, slot_id=slot.pk).booking
    assert Notice.objects.get(ref=booking.pk).sent_at is None
    return booking.pk


def _notice_sent(booking_id: int) -> bool:
    from common.models import Notice

    return Notice.objects.filter(ref=booking_id, outcome="sent").exists()


@pytest.fixture
def quiet_doorbell(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """This process books as a server would with its Redis down: the notices wait in the
    database, and only the sweep task the test sends delivers them."""
    from config import celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)  # before the settings
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6390/0"  # closed


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_worker_sweeps_the_outbox_and_marks_notices_sent(quiet_doorbell, court):
    queue = f"h6test-{uuid.uuid4().hex[:12]}"
    booking_id = _owe_a_confirmation(court)
    worker = _start_worker(broker_url=BROKER_URL, queue=queue)
    probe = Celery("probe", broker=BROKER_URL)
    try:
        assert _wait_for(lambda: bool(probe.control.ping([f"{queue}@localhost"], timeout=0.5)))
        probe.send_task("common.send_notices", queue=queue)  # what beat sends every 3 s
        assert _wait_for(lambda: _notice_sent(booking_id))
    finally:
        output = _stop(worker)
        probe.close()
    assert "common.send_notices" in output, output


def _pings(probe: Celery, hostname: str) -> bool:
    try:
        return bool(probe.control.ping([hostname], timeout=0.5))
    except (OSError, redis.ConnectionError):
        return False


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_worker_reconnects_after_its_redis_restarts_and_sends_what_was_owed(
    quiet_doorbell, court, tmp_path
):
    """Redis (its own server here, without persistence as in production) stops for a few
    seconds and comes back empty: the worker reconnects by itself, and the notices owed
    meanwhile, kept in PostgreSQL, go out with the next sweep."""
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    queue = f"h6test-{uuid.uuid4().hex[:12]}"
    server = start_redis(port, tmp_path)
    worker = _start_worker(broker_url=broker, queue=queue, options=("--concurrency", "1"))
    probe = Celery("probe", broker=broker)
    try:
        assert _wait_for(lambda: bool(probe.control.ping([f"{queue}@localhost"], timeout=0.5)))
        stop_redis(server)
        booking_id = _owe_a_confirmation(court)  # owed while Redis is down
        time.sleep(3)
        server = start_redis(port, tmp_path)

        probe.close()  # its connections died with the server
        probe = Celery("probe", broker=broker)
        assert _wait_for(lambda: _pings(probe, f"{queue}@localhost"), timeout=40), (
            "the worker did not come back"
        )
        probe.send_task("common.send_notices", queue=queue)
        assert _wait_for(lambda: _notice_sent(booking_id))
        assert worker.poll() is None  # still the same worker process
    finally:
        output = _stop(worker)
        probe.close()
        stop_redis(server)
    assert "Connection to broker lost" in output, output
    assert "Unrecoverable error" not in output, output
