"""With a broker, a booking writes its confirmation to the outbox in its own transaction and the
request sends nothing; the sweep (beat, the doorbell's task, a command) sends it once."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from booking import services
from common import notices, tasks
from common.models import Notice
from tests.common.test_notices import broker_down  # noqa: F401  (a fixture)
from tests.factories import SlotFactory, UserFactory

pytestmark = pytest.mark.django_db
# `broker_down`: a deployment with a broker whose Redis is down. The doorbell's publish fails
# (in its own thread) and the notices wait in the database for the sweep.


def confirmations() -> list[Notice]:
    return list(Notice.objects.filter(kind="booking.confirmed").order_by("id"))


@pytest.mark.usefixtures("broker_down")
def test_booking_request_only_writes_the_confirmation_notice(resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))

    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking

    assert mail.outbox == []  # nothing sent inside the booking request
    (notice,) = confirmations()
    assert (notice.ref, notice.sent_at, notice.attempts) == (booking.pk, None, 0)
    assert notice.created_at == booking.confirmed_at


@pytest.mark.usefixtures("broker_down")
def test_sweep_sends_each_owed_confirmation_once(resident, other_resident, court):
    first, second = (
        SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1, hours=h))
        for h in (0, 1)
    )
    ids = [
        services.place_booking(resident=resident, slot_id=first.pk).booking.pk,
        services.place_booking(resident=other_resident, slot_id=second.pk).booking.pk,
    ]

    assert mail.outbox == []
    assert notices.send_due_notices() == 2

    assert [m.attachments[0][0] for m in mail.outbox] == [f"booking-{pk}.ics" for pk in ids]
    assert [(n.ref, n.outcome) for n in confirmations()] == [(pk, "sent") for pk in ids]
    assert notices.send_due_notices() == 0  # a second run sends nothing again
    assert len(mail.outbox) == 2


@pytest.mark.usefixtures("broker_down")
def test_sweep_sends_every_due_notice_in_one_run(court):
    for h in range(3):
        slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1, hours=h))
        resident = UserFactory(username=f"resident-{h}", email=f"r{h}@example.com")
        services.place_booking(resident=resident, slot_id=slot.pk)

    assert tasks.send_notices.apply().get() == 3  # the task beat runs
    assert len(mail.outbox) == 3
    assert Notice.objects.filter(sent_at__isnull=True).count() == 0


def test_sweep_runs_every_few_seconds_under_beat(settings):
    (entry,) = (
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.send_notices.name
    )
    assert entry["schedule"] <= 10


def test_without_a_broker_the_confirmation_is_sent_at_once_and_recorded(resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))

    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking

    assert len(mail.outbox) == 1
    (notice,) = confirmations()
    assert (notice.ref, notice.outcome) == (booking.pk, "sent")
    assert notice.sent_at is not None


@pytest.mark.usefixtures("broker_down")
def test_sweep_is_also_a_management_command(resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))
    services.place_booking(resident=resident, slot_id=slot.pk)
    out = StringIO()

    call_command("send_notices", stdout=out)

    assert "Sent 1 notice(s)." in out.getvalue()
    assert len(mail.outbox) == 1


def test_sweep_without_a_broker_has_nothing_left_to_do(resident, court):
    slot = SlotFactory(resource=court, starts_at=timezone.now() + dt.timedelta(days=1))
    services.place_booking(resident=resident, slot_id=slot.pk)  # sent in-process at once

    assert notices.send_due_notices() == 0
    assert len(mail.outbox) == 1
