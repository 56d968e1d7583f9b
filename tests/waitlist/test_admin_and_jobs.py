"""The entries' admin pages, the beat task and the management command of the waiting list."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from config.celery import app as celery_app
from tests.factories import SlotFactory, UserFactory
from tests.waitlist.helpers import book, cancel_booking_of, join
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(court, resident, other_resident):  # type: ignore[no-untyped-def]
    slot = SlotFactory(resource=court)
    book(other_resident, slot)
    return join(resident, slot, party_size=2)


def test_admin_lists_and_shows_entries_read_only(client, entry):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = client.get("/admin/waitlist/waitlistentry/")
    assert listing.status_code == 200
    assert "alice" in listing.content.decode()
    assert client.get(f"/admin/waitlist/waitlistentry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/waitlist/waitlistentry/add/").status_code == 403
    assert client.get(f"/admin/waitlist/waitlistentry/{entry.pk}/delete/").status_code == 403


def test_the_sweep_is_scheduled_as_a_registered_task():
    celery_app.loader.import_default_modules()
    scheduled = {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "waitlist.expire_offers" in scheduled
    assert "waitlist.expire_offers" in celery_app.tasks


def test_the_command_offers_places_a_missed_signal_left_free(entry, other_resident):
    cancel_booking_of(other_resident, entry.slot)  # no on_commit
    out = StringIO()
    call_command("expire_offers", stdout=out)
    assert "0 offer(s) expired" in out.getvalue()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
