"""Check-in seen from elsewhere: gate tokens issued in the admin, occupancy in the venue API."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from rest_framework.test import APIClient

from booking import checkin, services
from booking.models import GateDevice
from tests.factories import SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_gate_added_in_the_admin_shows_its_token_once(client, venue):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/booking/gatedevice/add/",
        {"venue": venue.pk, "name": "北门闸机", "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    token = re.search(r"Gate token, shown once: (\S+)", text)
    assert token, text
    device = GateDevice.objects.get()
    assert device.venue == venue
    assert device.token_hash == checkin.hash_gate_token(token.group(1))
    assert token.group(1) not in device.token_hash
    assert checkin.get_gate_device(token=token.group(1)) == device


def test_admin_lists_payments_strikes_and_check_ins(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in ("payment", "stripeevent", "strike", "checkin", "gatedevice", "remindersent"):
        assert client.get(f"/admin/booking/{model}/").status_code == 200, model


def test_smart_gym_detail_shows_live_occupancy(resident, gym):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    slot = SlotFactory(resource=gym, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    booking = services.place_booking(
        resident=resident, slot_id=slot.pk, party_size=2, now=start - dt.timedelta(hours=1)
    ).booking
    device, _ = checkin.issue_gate_device(venue=gym.venue, name="gate")
    assert checkin.check_in(code=checkin.checkin_code_for(booking), device=device).allowed

    body = APIClient().get(f"/api/v1/venues/{gym.venue_id}/").json()
    assert body["occupancy"] == 2


def test_other_venues_show_no_occupancy(venue):
    assert APIClient().get(f"/api/v1/venues/{venue.pk}/").json()["occupancy"] is None
