"""Background jobs as tasks (eager in tests) and as management commands; e-mails they send."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar

from booking import services, tasks
from booking.models import Booking, ReminderSent, Slot
from config import celery_app
from tests.factories import (
    BookingFactory,
    OpeningRuleFactory,
    SlotFactory,
    UserFactory,
)
from tests.mail_backends import RefusingBackend

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 6, 10, 19, 0, tzinfo=SHANGHAI)


def book_at(resident, resource, *, booked_at: dt.datetime) -> Booking:  # type: ignore[no-untyped-def]
    slot = SlotFactory(resource=resource, starts_at=START, ends_at=START + dt.timedelta(hours=1))
    with time_machine.travel(booked_at, tick=False):
        return services.place_booking(resident=resident, slot_id=slot.pk).booking


def reminders_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return tasks.send_reminders.delay().get()


def test_free_booking_is_confirmed_by_e_mail_with_an_ics(resident, court):
    booking = book_at(resident, court, booked_at=START - dt.timedelta(days=3))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [resident.email]
    assert "Booking confirmed" in message.subject
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype.split(";")[0]) == (f"booking-{booking.pk}.ics", "text/calendar")
    calendar = Calendar.from_ical(content)
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + dt.timedelta(hours=1)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert court.venue.name_zh in str(event["SUMMARY"])


def test_resident_without_e_mail_gets_no_confirmation(court):
    book_at(UserFactory(username="nomail", email=""), court, booked_at=START - dt.timedelta(days=1))
    assert mail.outbox == []


def test_reminders_go_out_24_and_2_hours_before_and_never_twice(resident, court):
    booking = book_at(resident, court, booked_at=START - dt.timedelta(days=3))
    mail.outbox.clear()

    assert reminders_at(START - dt.timedelta(hours=25)) == 0
    assert reminders_at(START - dt.timedelta(hours=23, minutes=55)) == 1
    assert reminders_at(START - dt.timedelta(hours=23, minutes=50)) == 0
    assert reminders_at(START - dt.timedelta(hours=1, minutes=55)) == 1
    assert reminders_at(START - dt.timedelta(hours=1, minutes=50)) == 0

    assert [m.subject.startswith("预约提醒") for m in mail.outbox] == [True, True]
    kinds = set(ReminderSent.objects.filter(booking=booking).values_list("kind", flat=True))
    assert kinds == {"24h", "2h"}


def test_booking_made_three_hours_ahead_gets_only_the_2_hour_reminder(resident, court):
    book_at(resident, court, booked_at=START - dt.timedelta(hours=3))
    mail.outbox.clear()
    assert reminders_at(START - dt.timedelta(hours=2, minutes=30)) == 0
    assert reminders_at(START - dt.timedelta(hours=1, minutes=59)) == 1
    assert "2 hours" in mail.outbox[0].body


def test_cancelled_booking_gets_no_reminder(resident, court):
    booking = book_at(resident, court, booked_at=START - dt.timedelta(days=3))
    with time_machine.travel(START - dt.timedelta(days=2), tick=False):
        services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert reminders_at(START - dt.timedelta(hours=1)) == 0


def test_mark_no_shows_task_sweeps_ended_bookings(resident, court):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
    booking = BookingFactory(
        slot=SlotFactory(
            resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), remaining=0
        ),
        resident=resident,
    )
    assert tasks.mark_no_shows.delay().get() == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_generate_slots_task_rolls_the_window(court):
    today = timezone.localdate()
    OpeningRuleFactory(resource=court, weekday=today.weekday())
    OpeningRuleFactory(resource=court, weekday=(today + dt.timedelta(days=1)).weekday())
    created = tasks.generate_slots.delay().get()
    assert created > 0
    assert Slot.objects.filter(resource=court).count() == created
    assert tasks.generate_slots.delay().get() == 0  # idempotent


def test_a_failing_reminder_does_not_hold_back_the_others(
    settings, resident, other_resident, court
):
    first = book_at(resident, court, booked_at=START - dt.timedelta(days=3))
    other_slot = SlotFactory(resource=court, starts_at=START - dt.timedelta(hours=1), ends_at=START)
    with time_machine.travel(START - dt.timedelta(days=3), tick=False):
        services.place_booking(resident=other_resident, slot_id=other_slot.pk)
    mail.outbox.clear()
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.RefusingBackend"}}
    RefusingBackend.refused = {resident.email}

    assert reminders_at(START - dt.timedelta(hours=23, minutes=55)) == 1
    assert [m.to for m in mail.outbox] == [[other_resident.email]]
    assert not ReminderSent.objects.filter(booking=first).exists()  # tried again next run
    RefusingBackend.refused = set()
    assert reminders_at(START - dt.timedelta(hours=23, minutes=50)) == 1
    assert ReminderSent.objects.filter(booking=first, kind="24h").exists()


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("send_reminders", "Sent 0 reminder(s)"),
        ("mark_no_shows", "Marked 0 no-show(s)"),
        ("send_notices", "Sent 0 notice(s)"),
    ],
)
def test_each_job_is_a_management_command(command, expected):
    out = StringIO()
    call_command(command, stdout=out)
    assert expected in out.getvalue()


def test_every_scheduled_job_is_a_registered_task():
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(celery_app.tasks)
    assert {
        "booking.expire_holds",
        "booking.send_reminders",
        "booking.mark_no_shows",
        "booking.generate_slots",
        "common.send_notices",
    } <= scheduled


def test_a_lost_worker_s_task_comes_back_and_no_publish_waits_for_the_broker():
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] <= 300  # kombu's default: 3600
    assert conf.broker_connection_retry_on_startup
    assert conf.broker_connection_max_retries is None  # a worker never gives up on Redis
    assert conf.task_publish_retry is False
