"""events/feeds.py: events and registrations as calendar entries (rows → FeedItems)."""

import datetime as dt
from decimal import Decimal

import pytest

from common.feeds import FeedSite, items_from_rows
from events.feeds import (
    event_item,
    registration_feed_items,
    registration_item,
    venue_feed_name,
)
from events.models import Registration
from tests.factories import EventFactory, RegistrationFactory, VenueFactory

SITE = FeedSite("https://sports.luohu.example")
CHANGED = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)


def event_row(prefix: str = "", **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": 3,
        "uid": "0b7c1a9e-1111-4222-8333-944455556666",
        "title_zh": "梧桐山登高赛",
        "title_en": "Wutong Mountain Climb",
        "description_zh": "从山脚到山顶。",
        "description_en": "To the top.",
        "category": "race",
        "location_zh": "梧桐山",
        "location_en": "",
        "latitude": Decimal("22.58"),
        "longitude": Decimal("114.2"),
        "starts_at": dt.datetime(2026, 2, 7, 1, 0, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2026, 2, 7, 4, 0, tzinfo=dt.UTC),
        "rrule": "",
        "exdates": [],
        "last_ends_at": None,
        "status": "published",
        "status_reason": "",
        "sequence": 2,
        "created_at": CHANGED,
        "updated_at": CHANGED,
        "venue__name_zh": "罗湖体育馆",
        "venue__name_en": "Luohu Gym",
        "venue__address_zh": "深圳市罗湖区",
        "venue__latitude": Decimal("22.5"),
        "venue__longitude": Decimal("114.1"),
        "venue__updated_at": CHANGED - dt.timedelta(days=1),
    }
    row.update(overrides)
    return {f"{prefix}{key}": value for key, value in row.items()}


def test_an_event_at_its_own_place_keeps_its_own_point_and_links_to_its_page():
    item = event_item(event_row(), SITE)

    assert item.uid == "event-0b7c1a9e-1111-4222-8333-944455556666@sports.luohu.example"
    assert item.summary == "梧桐山登高赛"
    assert item.status == "CONFIRMED"
    assert item.location == "梧桐山"
    assert item.geo == (Decimal("22.58"), Decimal("114.2"))
    assert item.url == "https://sports.luohu.example/events/3/"
    assert item.categories == ("赛事 Race",)
    assert item.description == (
        "从山脚到山顶。\n\nWutong Mountain Climb\nTo the top.\n\n"
        "详情 Details: https://sports.luohu.example/events/3/"
    )
    assert (item.sequence, item.last_modified) == (2, CHANGED)


def test_an_event_without_a_place_of_its_own_is_at_its_venue():
    item = event_item(
        event_row(location_zh="", latitude=None, venue__updated_at=CHANGED + dt.timedelta(1)),
        SITE,
    )

    assert item.location == "罗湖体育馆（深圳市罗湖区）"
    assert item.geo == (Decimal("22.5"), Decimal("114.1"))
    assert item.last_modified == CHANGED + dt.timedelta(1)  # a venue edit is a change


def test_a_postponed_event_is_tentative_and_says_why_first():
    item = event_item(event_row(status="postponed", status_reason="场地维修 Repairs"), SITE)

    assert item.summary == "【延期 Postponed】梧桐山登高赛"
    assert item.status == "TENTATIVE"
    assert item.description.startswith("场地维修 Repairs\n\n从山脚到山顶。")


def test_a_weekly_event_keeps_only_its_well_formed_aware_exception_dates():
    kept = "2026-02-14T09:00:00+08:00"
    row = event_row(rrule="FREQ=WEEKLY;COUNT=4", exdates=[kept, "2026-02-21T09:00:00", "x"])

    item = event_item(row, SITE)

    assert item.exdates == (dt.datetime.fromisoformat(kept),)


def test_a_cancelled_registration_for_a_live_event_shows_cancelled_with_a_note():
    row = {
        "uid": "5e0b1c2d-3333-4444-8555-666677778888",
        "status": Registration.Status.CANCELLED,
        "sequence": 1,
        "created_at": CHANGED,
        "updated_at": CHANGED + dt.timedelta(hours=2),
        **event_row("event__"),
    }

    item = registration_item(row, SITE)

    assert item.uid == "registration-5e0b1c2d-3333-4444-8555-666677778888@sports.luohu.example"
    assert item.status == "CANCELLED"
    assert item.summary == "【已取消 Cancelled】梧桐山登高赛"
    assert item.description.startswith("您的报名已取消。Your registration was cancelled.")
    assert item.sequence == 1 + 2  # the registration's and the event's
    assert item.last_modified == CHANGED + dt.timedelta(hours=2)


def test_a_row_that_cannot_be_made_an_entry_is_logged_and_left_out(caplog):
    rows = [event_row(uid="good-1"), event_row(uid="bad", status="draft"), event_row(uid="good-2")]

    items = list(items_from_rows(rows, event_item, SITE))

    assert [item.uid.split("@")[0] for item in items] == ["event-good-1", "event-good-2"]
    assert "Left a row out of a calendar feed: bad" in caplog.text


@pytest.mark.django_db
def test_the_personal_feed_keeps_only_the_newest_registration_per_event(resident):
    event = EventFactory()
    RegistrationFactory(event=event, resident=resident, status="cancelled")
    again = RegistrationFactory(event=event, resident=resident)

    items = list(registration_feed_items(Registration.objects.order_by("id"), SITE))

    assert [item.uid for item in items] == [f"registration-{again.uid}@sports.luohu.example"]


@pytest.mark.django_db
def test_a_venue_feeds_name_keeps_ascii_separators_out():
    venue = VenueFactory(name_zh="东湖,A;B", name_en="East\\Lake")

    assert venue_feed_name(venue_id=venue.pk) == "东湖，A；B East/Lake 活动 events"
    assert venue_feed_name(venue_id=venue.pk + 1000) is None
