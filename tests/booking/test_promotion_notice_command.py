from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_promotion_notices_command_tells_each_promoted_resident_once(resident):
    RegistrationFactory(resident=resident, promoted_at=timezone.now())
    out = StringIO()
    call_command("send_promotion_notices", stdout=out)
    assert "Sent 1 promotion notice(s)." in out.getvalue()
    assert [message.to for message in mail.outbox] == [[resident.email]]
    out = StringIO()
    call_command("send_promotion_notices", stdout=out)
    assert "Sent 0 promotion notice(s)." in out.getvalue()
    assert len(mail.outbox) == 1
