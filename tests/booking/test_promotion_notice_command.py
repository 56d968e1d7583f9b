from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from events import registrations
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


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
