"""The waiting-list promotion notice: owed by the promoting transaction, sent once by the events
app's sender (the outbox in common/notices.py), as a task and as a management command."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone

from common import notices
from common import tasks as common_tasks
from common.models import Notice
from events import notifications, registrations
from events.models import Registration
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def promote_from_waiting_list(event, waiting):  # type: ignore[no-untyped-def]
    """Fill the event's one place, queue `waiting`, then free the place: `waiting` moves up."""
    holder = UserFactory(username=f"holder-{waiting.username}")
    first = registrations.register(event_id=event.pk, resident=holder).registration
    queued = registrations.register(event_id=event.pk, resident=waiting).registration
    registrations.cancel_registration(registration_id=first.pk, by_user=holder)
    queued.refresh_from_db()
    return queued


def held_promotion(resident) -> Registration:  # type: ignore[no-untyped-def]
    """A paid event's waiting-list entry promoted to a held place, its notice owed."""
    now = timezone.now()
    registration = RegistrationFactory(
        event=EventFactory(price=Decimal("30.00")),
        resident=resident,
        status=Registration.Status.HELD,
        amount=Decimal("30.00"),
        promoted_at=now,
        hold_expires_at=now + dt.timedelta(hours=2),
    )
    notices.owe(kind=Registration.PROMOTION_NOTICE, refs=[registration.pk], now=now)
    return registration


def test_the_events_app_sends_its_promotion_notices():
    sender = notices._senders[Registration.PROMOTION_NOTICE]
    assert sender.__module__ == "events.notifications"


def test_promoted_registration_is_told_once(resident):
    registration = promote_from_waiting_list(EventFactory(capacity=1), resident)
    assert registration.promoted_at is not None
    assert common_tasks.send_notices.delay().get() == 1
    assert common_tasks.send_notices.delay().get() == 0
    assert len(mail.outbox) == 1
    assert registration.event.title_zh in mail.outbox[0].subject
    notice = Notice.objects.get(kind=Registration.PROMOTION_NOTICE, ref=registration.pk)
    assert notice.outcome == "sent"


def test_only_registrations_given_a_place_are_told(resident, other_resident):
    event = EventFactory(capacity=1)
    promoted = promote_from_waiting_list(event, resident)
    still_waiting = registrations.register(event_id=event.pk, resident=other_resident)
    assert still_waiting.position == 1
    RegistrationFactory(resident=UserFactory(username="regular"))  # never waited
    assert common_tasks.send_notices.delay().get() == 1
    assert [m.to for m in mail.outbox] == [[promoted.resident.email]]


def test_promotion_notices_command_tells_each_promoted_resident_once(resident):
    event = EventFactory(capacity=1)
    first = registrations.register(event_id=event.pk, resident=resident).registration
    waiting = UserFactory(username="waiting", email="waiting@example.com")
    registrations.register(event_id=event.pk, resident=waiting)
    registrations.cancel_registration(registration_id=first.pk, by_user=resident)  # promotes
    out = StringIO()
    call_command("send_notices", stdout=out)
    assert "Sent 1 notice(s)." in out.getvalue()
    assert [message.to for message in mail.outbox] == [[waiting.email]]
    out = StringIO()
    call_command("send_notices", stdout=out)
    assert "Sent 0 notice(s)." in out.getvalue()
    assert len(mail.outbox) == 1


def test_a_held_place_is_told_to_pay_with_the_message_handed_in(resident, monkeypatch):
    registration = held_promotion(resident)
    asked = []

    def pay_by(held: Registration, *, now: dt.datetime) -> EmailMessage:
        asked.append(held.pk)
        return EmailMessage(subject="pay", body=f"pay {held.amount}", to=[held.resident.email])

    monkeypatch.setattr(notifications, "_payment_due_message", pay_by)

    assert notices.send_due_notices() == 1
    assert asked == [registration.pk]
    assert [(m.subject, m.to) for m in mail.outbox] == [("pay", [resident.email])]


def test_a_held_place_whose_hold_ran_out_is_told_nothing(resident, monkeypatch):
    held_promotion(resident)
    monkeypatch.setattr(notifications, "_payment_due_message", lambda held, *, now: None)

    assert notices.send_due_notices() == 0
    assert mail.outbox == []
    assert Notice.objects.get().outcome == Notice.Outcome.SKIPPED


def test_without_a_payment_message_a_held_place_s_notice_stays_owed(resident, monkeypatch):
    registration = held_promotion(resident)
    monkeypatch.setattr(notifications, "_payment_due_message", None)

    assert notices.send_due_notices() == 0

    notice = Notice.objects.get(ref=registration.pk)
    assert notice.sent_at is None
    assert notice.last_error.startswith("LookupError")
    assert mail.outbox == []
