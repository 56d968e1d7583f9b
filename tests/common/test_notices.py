"""The outbox of notices (common/notices.py): written with the change that owes it, sent once by
the sweeper whatever fails meanwhile, and never waiting for Redis."""

import datetime as dt
import json
import os
import smtplib
import threading
import time

import pytest
import redis
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from booking import services
from booking.exceptions import SlotTakenError
from booking.models import Booking
from common import notices
from common.models import Notice
from config import celery_app
from tests.factories import SlotFactory, UserFactory
from tests.mail_backends import FailingBackend, SlowBackend
from tests.redis_server import answers, free_port, start_redis, stop_redis

CLOSED_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there: Redis is down
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/8"
CONFIRMATION = Booking.CONFIRMATION_NOTICE


@pytest.fixture
def broker_down(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """A deployment with a broker (tasks not run in-process) whose Redis is unreachable."""
    # The Celery app's copy first, while it still reads the test settings (eager): what it
    # restores afterwards is what it read.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    settings.REDIS_URL = CLOSED_BROKER
    settings.CELERY_BROKER_URL = CLOSED_BROKER
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def failing_mail(settings):  # type: ignore[no-untyped-def]
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.FailingBackend"}}
    yield FailingBackend.failures
    FailingBackend.failures.clear()


def tomorrow(court, hour: int = 0):  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1, hours=hour)
    return SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def book_through_the_api(user, slot) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    client = (
        APIClient()
    )  # a token and no cookie: the booking fast path (api/fastpath/booking_create)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    started = time.monotonic()
    response = client.post("/api/v1/bookings/", {"slot": slot.pk}, format="json")
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.content
    return response.json()["id"], elapsed


# --- written with the booking ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_committed_booking_owes_exactly_one_confirmation(broker_down, resident, court):
    booking_id, _ = book_through_the_api(resident, tomorrow(court))

    notice = Notice.objects.get(kind=CONFIRMATION)
    assert notice.ref == booking_id
    assert (notice.sent_at, notice.outcome, notice.attempts) == (None, "", 0)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_held_booking_owes_no_confirmation_until_paid(
    broker_down, stripe_settings, resident, court
):
    slot = SlotFactory(resource=court, price="30.00")
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    assert booking.status == Booking.Status.HELD
    assert not Notice.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_booking_rolled_back_owes_no_notice(broker_down, resident, other_resident, court):
    """The exclusion constraint refuses the second INSERT: its notice goes with it."""
    first = tomorrow(court)
    overlapping = SlotFactory(
        resource=court,
        starts_at=first.starts_at + dt.timedelta(minutes=30),
        ends_at=first.ends_at + dt.timedelta(minutes=30),
    )
    kept = services.place_booking(resident=resident, slot_id=first.pk).booking

    with pytest.raises(SlotTakenError):
        services.place_booking(resident=other_resident, slot_id=overlapping.pk)

    assert list(Notice.objects.values_list("kind", "ref")) == [(CONFIRMATION, kept.pk)]
    assert not Booking.objects.filter(slot=overlapping).exists()
    overlapping.refresh_from_db()
    assert overlapping.remaining == overlapping.places  # the place went back with the rollback


# --- Redis is only a doorbell ------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_down_a_booking_answers_at_once_and_the_sweep_mails_it_once(
    broker_down, resident, court
):
    booking_id, elapsed = book_through_the_api(resident, tomorrow(court))
    assert elapsed < 0.2  # never ~0.6 s of publish retries in the request

    started = time.monotonic()
    notices.ring()  # what the request does after the commit: sets an event
    assert time.monotonic() - started < 0.01

    assert mail.outbox == []
    assert notices.send_due_notices() == 1
    assert notices.send_due_notices() == 0
    (message,) = mail.outbox
    assert message.attachments[0][0] == f"booking-{booking_id}.ics"
    assert Notice.objects.get(ref=booking_id).outcome == "sent"


def test_the_doorbell_gives_up_on_a_dead_broker_within_200_ms(broker_down):
    started = time.monotonic()
    with pytest.raises(BrokerError):
        notices.publish_sweep()  # one connection attempt, no retries
    assert time.monotonic() - started < 0.2


def test_the_doorbell_publishes_one_sweep_task(settings, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    settings.CELERY_BROKER_URL = REDIS_URL
    client = redis.Redis.from_url(REDIS_URL)
    client.delete("celery")  # the default queue, in the tests' own Redis database
    try:
        notices.publish_sweep()
        (raw,) = client.lrange("celery", 0, -1)
    finally:
        client.delete("celery")
        client.close()
    assert json.loads(raw)["headers"]["task"] == "common.send_notices"


@pytest.mark.concurrency
def test_the_doorbell_thread_outlives_a_redis_restart(settings, monkeypatch, tmp_path):
    """Rung while Redis is down, the doorbell logs and goes on; once Redis is back (empty, as
    after a restart) the next ring publishes again, from the same thread."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    server = start_redis(port, tmp_path)
    client = redis.Redis(port=port)

    def rung_until_published(timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            notices.ring()
            if answers(client) and client.llen("celery") > 0:
                return True
            time.sleep(0.1)
        return False

    try:
        assert rung_until_published(5)
        stop_redis(server)
        started = time.monotonic()
        for _ in range(5):  # rings while Redis is down cost the caller nothing
            notices.ring()
        assert time.monotonic() - started < 0.01
        time.sleep(1.2)  # the thread tries, fails, logs
        server = start_redis(port, tmp_path)
        assert client.llen("celery") == 0
        assert rung_until_published(5)
    finally:
        client.close()
        stop_redis(server)


# --- failures are retried, never dropped -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "failure",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        OperationalError("server closed the connection unexpectedly"),
    ],
    ids=["smtp", "database"],
)
def test_a_failed_send_is_retried_later_and_sent_once(failing_mail, failure, resident, court):
    failing_mail.append(failure)
    now = timezone.now()
    # No broker (the quick start): the notice is tried at once, after the commit, and fails.
    booking = services.place_booking(resident=resident, slot_id=tomorrow(court).pk).booking

    notice = Notice.objects.get(kind=CONFIRMATION, ref=booking.pk)
    assert (notice.sent_at, notice.attempts) == (None, 1)
    assert type(failure).__name__ in notice.last_error
    assert notice.due_at >= now + notices.BACKOFF_FIRST
    assert mail.outbox == []

    assert notices.send_due_notices(now=notice.due_at - dt.timedelta(seconds=1)) == 0
    assert notices.send_due_notices(now=notice.due_at) == 1
    assert notices.send_due_notices(now=notice.due_at + dt.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert (notice.outcome, notice.attempts) == ("sent", 2)


@pytest.mark.django_db
def test_the_backoff_doubles_and_a_notice_is_never_dropped(failing_mail, broker_down):
    failing_mail.extend(smtplib.SMTPException("try later") for _ in range(12))
    notices.register_sender(
        "test.always_mail", lambda ref: bool(mail.EmailMessage(to=["a@b.c"]).send())
    )
    now = timezone.now()
    notices.owe(kind="test.always_mail", refs=[1], now=now)
    delays = []
    for _ in range(12):
        assert notices.send_due_notices(now=now) == 0
        notice = Notice.objects.get(kind="test.always_mail")
        delays.append(notice.due_at - now)
        now = notice.due_at
    assert delays[:3] == [dt.timedelta(seconds=s) for s in (10, 20, 40)]
    assert delays[-1] == notices.BACKOFF_MAX
    assert notices.send_due_notices(now=now) == 1
    assert Notice.objects.get(kind="test.always_mail").attempts == 13


@pytest.mark.django_db
def test_a_notice_of_an_unknown_kind_is_kept(broker_down):
    notices.owe(kind="test.nobody_sends_this", refs=[7])
    assert notices.send_due_notices() == 0
    notice = Notice.objects.get()
    assert notice.sent_at is None
    assert "no sender" in notice.last_error


# --- concurrent sweepers -----------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_each_notice_exactly_once(broker_down, settings, court):
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.SlowBackend"}}
    SlowBackend.delay = 0.02
    booked = [
        services.place_booking(
            resident=UserFactory(username=f"sweep-{i}", email=f"sweep-{i}@example.com"),
            slot_id=tomorrow(court, hour=i).pk,
        ).booking.pk
        for i in range(20)
    ]
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            counts.append(notices.send_due_notices())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(m.attachments[0][0] for m in mail.outbox) == sorted(
        f"booking-{pk}.ics" for pk in booked
    )
    assert sum(counts) == 20 and min(counts) > 0, counts  # both worked, nothing twice
    assert Notice.objects.filter(outcome="sent").count() == 20
