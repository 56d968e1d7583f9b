"""booking/feeds.py: a booking as a calendar entry, the same in the personal feed and the mail."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from booking.feeds import booking_ics, booking_item
from booking.notifications import send_booking_confirmation
from common.feeds import FeedSite, clear_caches
from events.feed_tokens import get_or_create_feed_token
from tests.factories import BookingFactory, ResourceFactory, SlotFactory, VenueFactory
from tests.js.parsers import assert_parsers_agree, unfold

pytestmark = pytest.mark.django_db
SITE = "https://sports.luohu.example"
MAILED_AT = dt.datetime(2026, 3, 2, 4, 5, 6, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _site_and_fresh_caches(settings):  # type: ignore[no-untyped-def]
    # Production requires SITE_URL (config.E010): the mail and the feed share one base.
    settings.SITE_URL = SITE
    clear_caches()
    yield
    clear_caches()


def vevent_lines(body: bytes) -> list[str]:
    """The unfolded content lines of the only VEVENT in `body`."""
    lines = unfold(body)
    [start] = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    end = lines.index("END:VEVENT", start)
    return lines[start : end + 1]


def calendar_lines(body: bytes) -> list[str]:
    """The unfolded lines of the VCALENDAR itself (before its VTIMEZONE)."""
    lines = unfold(body)
    return lines[: lines.index("BEGIN:VTIMEZONE")]


def without(lines: list[str], name: str) -> list[str]:
    return [line for line in lines if not line.startswith(f"{name}:")]


def one_line(lines: list[str], name: str) -> str:
    [line] = [line for line in lines if line.startswith(f"{name}:")]
    return line


@pytest.fixture
def booking(resident, court):  # type: ignore[no-untyped-def]
    resident.email = "alice@example.com"
    resident.save(update_fields=["email"])
    slot = SlotFactory(resource=court, remaining=0)
    return BookingFactory(resident=resident, slot=slot, party_size=2, price=Decimal("30.00"))


def test_the_mails_ics_holds_the_personal_feeds_entry_apart_from_dtstamp(client, booking):
    token = get_or_create_feed_token(user=booking.resident).token
    feed = client.get(f"/calendar/me/{token}.ics")
    assert feed.status_code == 200
    with time_machine.travel(MAILED_AT, tick=False):
        assert send_booking_confirmation(booking_id=booking.pk)
    [(_, content, _)] = mail.outbox[-1].attachments
    attached = content if isinstance(content, bytes) else content.encode()

    in_feed, in_mail = vevent_lines(feed.content), vevent_lines(attached)
    # Everything but DTSTAMP: UID, SUMMARY, LOCATION, GEO, DTSTART/DTEND, SEQUENCE, STATUS, ...
    assert without(in_mail, "DTSTAMP") == without(in_feed, "DTSTAMP")
    assert one_line(in_feed, "UID") == f"UID:booking-{booking.uid}@sports.luohu.example"
    assert one_line(in_mail, "SUMMARY").startswith("SUMMARY:预约：")
    # DTSTAMP differs by RFC 5545 §3.8.7.2: in a feed (no METHOD) it is the entry's last change,
    # in a message with METHOD:PUBLISH the moment the message was made.
    assert one_line(in_feed, "DTSTAMP")[8:] == one_line(in_feed, "LAST-MODIFIED")[14:]
    assert one_line(in_mail, "DTSTAMP") == "DTSTAMP:20260302T040506Z"
    # Around the entry, the mail is a message to import, the feed a calendar to subscribe to.
    assert "METHOD:PUBLISH" in calendar_lines(attached)
    assert not any(line.startswith("METHOD:") for line in calendar_lines(feed.content))
    assert not any(line.startswith(("NAME:", "REFRESH-INTERVAL")) for line in unfold(attached))


def test_the_mails_ics_is_read_alike_by_three_parsers(booking):
    parsed = assert_parsers_agree(booking_ics(booking, now=MAILED_AT))
    [event] = parsed["events"]
    assert event["uid"] == f"booking-{booking.uid}@sports.luohu.example"


def test_a_bookings_entry_names_venue_and_court_and_links_to_my_bookings():
    row = booking_row()

    item = booking_item(row, FeedSite(SITE))

    assert item.uid == "booking-0b7c1a9e-1111-4222-8333-944455556666@sports.luohu.example"
    assert item.summary == "预约：罗湖体育馆 一号场"
    assert item.status == "CONFIRMED"
    assert item.location == "罗湖体育馆（深圳市罗湖区）"
    assert item.geo == (Decimal("22.5"), Decimal("114.1"))
    assert item.url == f"{SITE}/me/bookings/"
    assert item.description.splitlines() == [
        "场地预约 Booking #7",
        "罗湖体育馆 一号场 / Luohu Gym Court 1",
        "人数 Party size: 2",
        "费用 Price: ¥30.00",
        f"我的预约 My bookings: {SITE}/me/bookings/",
    ]
    # The venue's edit counts as the entry's change too (a rename shows in LOCATION).
    assert item.last_modified == row["venue__updated_at"]


def test_a_cancelled_free_booking_without_address_or_point():
    row = booking_row(
        status="cancelled",
        price=Decimal("0.00"),
        venue__address_zh="",
        venue__latitude=None,
        resource__name_en="",
        venue__name_en="",
    )

    item = booking_item(row, FeedSite(SITE))

    assert item.summary == "【已取消 Cancelled】预约：罗湖体育馆 一号场"
    assert item.status == "CANCELLED"
    assert item.location == "罗湖体育馆"
    assert item.geo is None
    assert item.description.splitlines()[:2] == [
        "此预约已取消。This booking was cancelled.",
        "场地预约 Booking #7",
    ]
    assert "免费 Free of charge" in item.description
    assert "罗湖体育馆 一号场\n" in item.description  # no " / " without English names


def test_the_mails_ics_follows_a_venue_renamed_after_booking(booking):
    venue = booking.venue
    venue.name_zh = "新馆名"
    venue.save(update_fields=["name_zh", "updated_at"])

    lines = vevent_lines(booking_ics(booking, now=MAILED_AT))

    assert one_line(lines, "SUMMARY") == f"SUMMARY:预约：新馆名 {booking.resource.name_zh}"


def test_a_booking_at_another_venue_reads_its_own_names():
    venue = VenueFactory(name_zh="东湖", name_en="", address_zh="")
    court = ResourceFactory(venue=venue, name_zh="二号", name_en="")
    booking = BookingFactory(slot=SlotFactory(resource=court, remaining=0))

    lines = vevent_lines(booking_ics(booking, now=MAILED_AT))

    assert one_line(lines, "SUMMARY") == "SUMMARY:预约：东湖 二号"
    assert one_line(lines, "LOCATION") == "LOCATION:东湖"
    assert not any(line.startswith("GEO:") for line in lines)


def booking_row(**overrides: object) -> dict[str, object]:
    changed = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
    row: dict[str, object] = {
        "id": 7,
        "uid": "0b7c1a9e-1111-4222-8333-944455556666",
        "status": "confirmed",
        "starts_at": dt.datetime(2026, 2, 3, 11, 0, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC),
        "party_size": 2,
        "price": Decimal("30.00"),
        "sequence": 0,
        "created_at": changed,
        "updated_at": changed,
        "resource__name_zh": "一号场",
        "resource__name_en": "Court 1",
        "venue__name_zh": "罗湖体育馆",
        "venue__name_en": "Luohu Gym",
        "venue__address_zh": "深圳市罗湖区",
        "venue__latitude": Decimal("22.5"),
        "venue__longitude": Decimal("114.1"),
        "venue__updated_at": changed + dt.timedelta(hours=1),
    }
    row.update(overrides)
    return row
