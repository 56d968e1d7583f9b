"""With a broker, a booking queues its confirmation on a Redis list; the beat sweep sends it."""

import datetime as dt
import os
from io import StringIO

import pytest
import redis
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from booking import notifications, services, tasks
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/8"


@pytest.fixture
def broker(settings):  # type: ignore[no-untyped-def]
    """Settings of a deployment with a broker (the list lives in this Redis database)."""
    settings.REDIS_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(notifications.CONFIRMATION_QUEUE)
    yield client
    client.delete(notifications.CONFIRMATION_QUEUE)


def run_sweep(settings, **kwargs) -> int:  # type: ignore[no-untyped-def]
    """The beat sweep, with the tasks it queues run in-process as a worker would run them."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    try:
        return notifications.send_queued_confirmations(**kwargs)
    finally:
        settings.CELERY_TASK_ALWAYS_EAGER = False


def test_booking_request_only_queues_the_confirmation_id(broker, resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))

    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking

    assert mail.outbox == []  # nothing sent or published inside the booking request
    assert broker.lrange(notifications.CONFIRMATION_QUEUE, 0, -1) == [str(booking.pk).encode()]


def test_sweep_sends_each_queued_confirmation_once(
    broker, settings, resident, other_resident, court
):
    first, second = (
        SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1, hours=h))
        for h in (0, 1)
    )
    ids = [
        services.place_booking(resident=resident, slot_id=first.pk).booking.pk,
        services.place_booking(resident=other_resident, slot_id=second.pk).booking.pk,
    ]

    assert mail.outbox == []
    assert run_sweep(settings) == 2

    assert [m.attachments[0][0] for m in mail.outbox] == [f"booking-{pk}.ics" for pk in ids]
    assert broker.llen(notifications.CONFIRMATION_QUEUE) == 0
    assert run_sweep(settings) == 0  # a second run sends nothing again
    assert len(mail.outbox) == 2


def test_sweep_drains_more_than_one_batch(broker, settings, resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    broker.lpush(notifications.CONFIRMATION_QUEUE, booking.pk, booking.pk)

    assert run_sweep(settings, batch=2) == 3
    assert broker.llen(notifications.CONFIRMATION_QUEUE) == 0
    assert len(mail.outbox) == 3


def test_sweep_runs_every_few_seconds_under_beat(settings):
    (entry,) = (
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == tasks.send_queued_confirmations.name
    )
    assert entry["schedule"] <= 10


def test_without_a_broker_the_confirmation_is_sent_at_once(resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))

    services.place_booking(resident=resident, slot_id=slot.pk)

    assert len(mail.outbox) == 1


def test_sweep_is_also_a_management_command(broker, settings, resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))
    services.place_booking(resident=resident, slot_id=slot.pk)
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the tasks it queues run in-process
    out = StringIO()

    call_command("send_queued_confirmations", stdout=out)

    assert "Queued 1 confirmation(s)." in out.getvalue()
    assert len(mail.outbox) == 1


def test_sweep_without_a_broker_has_nothing_to_do(settings):
    settings.REDIS_URL = ""

    assert notifications.send_queued_confirmations() == 0
