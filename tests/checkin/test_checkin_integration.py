"""Check-in seen from elsewhere: gate tokens issued in the admin, occupancy in the venue API,
the no-show sweep."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils import timezone
from rest_framework.test import APIClient

from booking import services, standing
from booking.models import Booking, Strike
from checkin.codes import checkin_code_for
from checkin.gates import get_gate_device, hash_gate_token, issue_gate_device
from checkin.models import GateDevice
from checkin.services import check_in
from tests.factories import SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_gate_added_in_the_admin_shows_its_token_once(client, venue):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/checkin/gatedevice/add/",
        {"venue": venue.pk, "name": "北门闸机", "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    token = re.search(r"Gate token, shown once: (\S+)", text)
    assert token, text
    device = GateDevice.objects.get()
    assert device.venue == venue
    assert device.token_hash == hash_gate_token(token.group(1))
    assert token.group(1) not in device.token_hash
    assert get_gate_device(token=token.group(1)) == device


def test_admin_lists_check_ins_and_gates(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in ("checkin", "gatedevice"):
        assert client.get(f"/admin/checkin/{model}/").status_code == 200, model


def test_smart_gym_detail_shows_live_occupancy(resident, gym):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    slot = SlotFactory(resource=gym, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    booking = services.place_booking(
        resident=resident, slot_id=slot.pk, party_size=2, now=start - dt.timedelta(hours=1)
    ).booking
    device, _ = issue_gate_device(venue=gym.venue, name="gate")
    assert check_in(code=checkin_code_for(booking), device=device).allowed

    body = APIClient().get(f"/api/v1/venues/{gym.venue_id}/").json()
    assert body["occupancy"] == 2


def test_other_venues_show_no_occupancy(venue):
    assert APIClient().get(f"/api/v1/venues/{venue.pk}/").json()["occupancy"] is None


def test_booking_let_in_at_the_gate_is_not_a_no_show(resident, court):
    start = dt.datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with time_machine.travel(start - dt.timedelta(days=1), tick=False):
        booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    gate, _ = issue_gate_device(venue=court.venue, name="gate")
    assert check_in(code=checkin_code_for(booking), device=gate, now=start).allowed

    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        assert standing.mark_no_shows() == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    assert not Strike.objects.exists()
