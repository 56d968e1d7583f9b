"""Every kind of calendar we hand out is valid RFC 5545 for several strict parsers.

The kinds: /calendar/events.ics, /calendar/venues/{id}.ics, /calendar/me/{token}.ics and the
.ics attached to the booking confirmation mail. Each is read by icalendar, ical.js and `ical`
(PyPI) alike (tests/js/parsers.py), and no VTIMEZONE, STANDARD or DAYLIGHT holds a property
that RFC 5545 §3.6.5 does not allow there (libical's restriction check refuses them).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from booking.notifications import send_booking_confirmation
from events import feed_tokens
from tests.factories import (
    BookingFactory,
    EventFactory,
    RegistrationFactory,
    SlotFactory,
)
from tests.js.parsers import (
    assert_ical_reads_it_all,
    assert_parsers_agree,
    parse_with_icalendar,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("feed_site")]

# RFC 5545 §3.6.5, written out here rather than taken from common/ical.py.
VTIMEZONE_ALLOWED = {"TZID", "LAST-MODIFIED", "TZURL"}
# IANA properties registered for VTIMEZONE since (RFC 7808).
VTIMEZONE_IANA = {"TZUNTIL", "TZID-ALIAS-OF"}
OBSERVANCE_ALLOWED = {
    "DTSTART",
    "TZOFFSETTO",
    "TZOFFSETFROM",
    "RRULE",
    "RDATE",
    "COMMENT",
    "TZNAME",
}


@pytest.fixture
def feeds(client, resident, court):  # type: ignore[no-untyped-def]
    """The body of every kind of calendar, by name, with a few entries each."""
    in_a_week = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
    at_venue = EventFactory(
        venue=court.venue, location_zh="", location_en="", latitude=None, longitude=None
    )
    weekly = EventFactory(
        starts_at=in_a_week,
        ends_at=in_a_week + dt.timedelta(hours=2),
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates=[(in_a_week + dt.timedelta(weeks=2)).isoformat()],
    )
    EventFactory(status="cancelled", status_reason="天气原因 Weather", sequence=1)
    RegistrationFactory(event=weekly, resident=resident)
    resident.email = "alice@example.com"
    resident.save(update_fields=["email"])
    slot = SlotFactory(resource=court, starts_at=in_a_week + dt.timedelta(days=1), remaining=0)
    booking = BookingFactory(resident=resident, slot=slot)
    token = feed_tokens.get_or_create_feed_token(user=resident).token

    bodies = {}
    for name, url in [
        ("events.ics", "/calendar/events.ics"),
        ("venues/{id}.ics", f"/calendar/venues/{at_venue.venue_id}.ics"),
        ("me/{token}.ics", f"/calendar/me/{token}.ics"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (name, response.content[:200])
        bodies[name] = response.content
    assert send_booking_confirmation(booking_id=booking.pk)
    [(filename, content, mimetype)] = mail.outbox[-1].attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    bodies["confirmation mail"] = content if isinstance(content, bytes) else content.encode()
    return bodies


def test_no_vtimezone_of_any_calendar_holds_a_property_rfc_5545_does_not_allow_there(feeds):
    checked = 0
    for name, body in feeds.items():
        for vtimezone in parse_with_icalendar(body).walk("VTIMEZONE"):
            checked += 1
            for prop in vtimezone:
                assert prop in VTIMEZONE_ALLOWED | VTIMEZONE_IANA or prop.startswith("X-"), (
                    f"{name}: {prop} is not allowed in VTIMEZONE"
                )
            assert "TZID" in vtimezone, name
            observances = vtimezone.subcomponents
            assert observances, f"{name}: a VTIMEZONE needs a STANDARD or DAYLIGHT"
            for observance in observances:
                assert observance.name in {"STANDARD", "DAYLIGHT"}, name
                for prop in observance:
                    assert prop in OBSERVANCE_ALLOWED or prop.startswith("X-"), (
                        f"{name}: {prop} is not allowed in {observance.name}"
                    )
                for required in ("DTSTART", "TZOFFSETTO", "TZOFFSETFROM"):
                    assert required in observance, f"{name}: {observance.name} lacks {required}"
    # Every calendar carries its zone: the mail's .ics holds the personal feed's entry
    # (booking/feeds.py), in local time like the feeds.
    assert checked == 4


@pytest.mark.parametrize("kind", ["events.ics", "venues/{id}.ics", "me/{token}.ics"])
def test_each_feed_is_read_alike_by_icalendar_icaljs_and_ical(feeds, kind):
    parsed = assert_parsers_agree(feeds[kind])
    assert parsed["events"], kind


def test_the_confirmation_mails_ics_is_read_by_ical_too(feeds):
    calendar = assert_ical_reads_it_all(feeds["confirmation mail"])
    [event] = calendar.events
    assert event.dtstart.tzinfo is not None


def test_ical_expands_the_weekly_event_less_its_exdate(feeds):
    calendar = assert_ical_reads_it_all(feeds["events.ics"])
    [weekly] = [event for event in calendar.events if event.rrule is not None]
    start = weekly.dtstart
    assert isinstance(start, dt.datetime)
    occurrences = [
        item.dtstart
        for item in calendar.timeline.overlapping(
            start - dt.timedelta(days=1), start + dt.timedelta(weeks=6)
        )
        if item.uid == weekly.uid
    ]
    # Four weeks, the third left out by EXDATE.
    assert occurrences == [start + dt.timedelta(weeks=n) for n in (0, 1, 3)]


def test_a_stray_property_in_a_vtimezone_is_caught(feeds):
    """The check above is not vacuous: the COMMENT icalendar used to put there is caught."""
    body = feeds["events.ics"].replace(
        b"BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n",
        b"BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nCOMMENT:only 1970-2038\r\n",
    )
    [vtimezone] = parse_with_icalendar(body).walk("VTIMEZONE")
    assert "COMMENT" in vtimezone and "COMMENT" not in VTIMEZONE_ALLOWED | VTIMEZONE_IANA
    with pytest.raises(AssertionError):
        assert_ical_reads_it_all(body)
