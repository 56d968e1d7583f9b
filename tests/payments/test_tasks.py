"""The payments app's background job, as a task (eager in tests) and as a management command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.models import Booking, Slot
from config import celery_app
from payments import tasks
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db


def test_expire_holds_task_releases_stale_holds(resident, court):
    slot = SlotFactory(resource=court, remaining=0)
    held = BookingFactory(
        slot=slot,
        resident=resident,
        status=Booking.Status.HELD,
        hold_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert tasks.expire_holds.delay().get() == 1
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert Slot.objects.get(pk=slot.pk).remaining == 1


def test_the_sweep_keeps_its_task_name_from_the_booking_app():
    """Beat schedules and queued messages name the task; moving the code must not rename it."""
    celery_app.loader.import_default_modules()
    assert tasks.expire_holds.name == "booking.expire_holds"
    assert celery_app.tasks["booking.expire_holds"].run.__module__ == "payments.tasks"


def test_the_sweep_is_a_management_command():
    out = StringIO()
    call_command("expire_holds", stdout=out)
    assert "Expired 0 hold(s)" in out.getvalue()
