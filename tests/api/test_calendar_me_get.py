"""GET /calendar/me/{token}.ics: a resident's own bookings and registrations."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from booking.models import Booking
from booking.services import cancel_booking
from events import feed_tokens, lifecycle
from tests.api.helpers import FEED_HOST
from tests.factories import (
    BookingFactory,
    EventFactory,
    OrganisationFactory,
    RegistrationFactory,
    ResourceFactory,
    SlotFactory,
    UserFactory,
    VenueFactory,
)
from tests.js.parsers import assert_parsers_agree, vevents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("feed_site")]


def taken_slot(resource, days: int = 1, hour: int = 0):  # type: ignore[no-untyped-def]
    """A slot of `resource` whose only place a BookingFactory booking holds."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    return SlotFactory(
        resource=resource, starts_at=start + dt.timedelta(days=days, hours=hour), remaining=0
    )


def feed_url(user) -> str:  # type: ignore[no-untyped-def]
    return f"/calendar/me/{feed_tokens.get_or_create_feed_token(user=user).token}.ics"


def test_personal_feed_shows_only_the_residents_confirmed_bookings_and_registrations(
    client, resident, other_resident, court
):
    mine = BookingFactory(resident=resident, slot=taken_slot(court, hour=1))
    checked_in = BookingFactory(
        resident=resident, slot=taken_slot(court, hour=2), status=Booking.Status.CHECKED_IN
    )
    BookingFactory(resident=resident, slot=taken_slot(court, hour=3), status=Booking.Status.HELD)
    BookingFactory(resident=resident, slot=taken_slot(court, hour=4), status=Booking.Status.EXPIRED)
    BookingFactory(resident=other_resident, slot=taken_slot(court, hour=5))
    event = EventFactory(title_zh="国标舞公开赛")
    registration = RegistrationFactory(event=event, resident=resident)
    RegistrationFactory(event=EventFactory(), resident=resident, status="waitlisted")
    RegistrationFactory(event=EventFactory(), resident=other_resident)

    response = client.get(feed_url(resident))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    parsed = assert_parsers_agree(response.content)
    assert {e["uid"] for e in parsed["events"]} == {
        f"booking-{mine.uid}@{FEED_HOST}",
        f"booking-{checked_in.uid}@{FEED_HOST}",
        f"registration-{registration.uid}@{FEED_HOST}",
    }
    entries = {e["uid"]: e for e in parsed["events"]}
    booking_entry = entries[f"booking-{mine.uid}@{FEED_HOST}"]
    assert booking_entry["status"] == "CONFIRMED"
    assert booking_entry["summary"].startswith("预约：")
    assert court.venue.name_zh in booking_entry["location"]
    assert booking_entry["start_utc"] == mine.starts_at.astimezone(dt.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    registration_entry = entries[f"registration-{registration.uid}@{FEED_HOST}"]
    assert registration_entry["summary"] == "国标舞公开赛"
    assert registration_entry["url"] == f"https://{FEED_HOST}/events/{event.pk}/"


def test_cancelled_booking_stays_as_cancelled_for_30_days(client, resident, court):
    booking = BookingFactory(
        resident=resident,
        slot=taken_slot(court, days=3),
    )
    cancel_booking(booking_id=booking.pk, by_user=resident)
    uid = f"booking-{booking.uid}@{FEED_HOST}"

    entry = vevents(client.get(feed_url(resident)).content)[uid]

    assert str(entry["STATUS"]) == "CANCELLED"
    assert entry["SEQUENCE"] >= 1
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert uid not in vevents(client.get(feed_url(resident)).content)


def test_registration_for_a_cancelled_event_shows_cancelled(client, resident):
    organiser = UserFactory(username="organiser", is_staff=True)
    event = EventFactory(organisation=OrganisationFactory(members=[organiser]))
    registration = RegistrationFactory(event=event, resident=resident)
    url = feed_url(resident)
    before = vevents(client.get(url).content)[f"registration-{registration.uid}@{FEED_HOST}"]

    lifecycle.cancel_event(event_id=event.pk, by_user=organiser, reason="场馆维修")

    parsed = assert_parsers_agree(client.get(url).content)
    [entry] = parsed["events"]
    assert entry["status"] == "CANCELLED"
    assert entry["summary"].startswith("【已取消 Cancelled】")
    assert entry["sequence"] > before["SEQUENCE"]


def test_cancelling_and_registering_again_leaves_one_entry_for_the_event(client, resident):
    event = EventFactory()
    RegistrationFactory(
        event=event, resident=resident, status="cancelled", cancelled_at=timezone.now()
    )
    again = RegistrationFactory(event=event, resident=resident)

    uids = set(vevents(client.get(feed_url(resident)).content))

    assert uids == {f"registration-{again.uid}@{FEED_HOST}"}


def test_an_unknown_token_is_404(client, resident):
    feed_tokens.get_or_create_feed_token(user=resident)

    for token in ["not-a-real-token-but-long-enough", "x", "a" * 200]:
        response = client.get(f"/calendar/me/{token}.ics")
        assert response.status_code == 404
        assert response.json()["code"] == "feed_not_found"


def test_rotating_the_token_turns_the_old_feed_url_into_404_at_once(client, resident, court):
    BookingFactory(resident=resident, slot=taken_slot(court, hour=6))
    old_url = feed_url(resident)
    assert client.get(old_url).status_code == 200

    feed_tokens.rotate_feed_token(user=resident)

    assert client.get(old_url).status_code == 404
    new_response = client.get(feed_url(resident))
    assert new_response.status_code == 200
    assert len(vevents(new_response.content)) == 1


def test_a_deactivated_resident_has_no_feed(client, resident):
    url = feed_url(resident)
    resident.is_active = False
    resident.save()

    assert client.get(url).status_code == 404


def test_matching_if_none_match_gets_304_and_a_new_booking_changes_the_etag(
    client, resident, court
):
    BookingFactory(resident=resident, slot=taken_slot(court, hour=7))
    url = feed_url(resident)
    first = client.get(url)

    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    BookingFactory(resident=resident, slot=taken_slot(court, hour=8))
    changed = client.get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert len(vevents(changed.content)) == 2


def test_another_residents_booking_does_not_change_my_feed(client, resident, other_resident):
    venue = VenueFactory()
    url = feed_url(resident)
    first = client.get(url)

    BookingFactory(resident=other_resident, slot=taken_slot(ResourceFactory(venue=venue)))

    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_rotating_from_the_api_retires_the_old_link(client, resident_client, resident):
    link = resident_client.get("/api/v1/me/calendar/").json()["token_url"]
    old_path = urlsplit(link).path
    assert client.get(old_path).status_code == 200

    rotated = resident_client.post("/api/v1/me/calendar/rotate/").json()["token_url"]

    new_path = urlsplit(rotated).path
    assert new_path != old_path
    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 200
