"""common/feeds.py and common.ical.build_message: what every feed shares, without a request."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from common.feeds import (
    FeedSite,
    FeedState,
    cached_feed,
    clear_caches,
    feed_etag,
    feed_last_modified,
    feed_window,
)
from common.ical import FeedItem, build_message, render_vevent
from tests.js.parsers import assert_parsers_agree, unfold

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)  # 01:30 on 2 March in Shanghai
STATE = FeedState(count=3, last_change=dt.datetime(2026, 2, 27, 9, 0, tzinfo=dt.UTC), markers=(9,))


@pytest.fixture(autouse=True)
def _fresh_caches():  # type: ignore[no-untyped-def]
    clear_caches()
    yield
    clear_caches()


def test_the_window_runs_from_30_days_back_to_a_year_ahead_by_local_days():
    window = feed_window(now=NOW)

    assert window.day_start == dt.datetime(2026, 3, 2, tzinfo=SHANGHAI)
    assert window.start == window.day_start - dt.timedelta(days=30)
    assert window.end == window.day_start + dt.timedelta(days=366)


def test_the_etag_changes_with_the_rows_the_base_and_the_day_but_not_within_a_day():
    site, window = FeedSite("https://a.example"), feed_window(now=NOW)
    etag = feed_etag("events", "", site, window, STATE)

    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 34
    assert (
        feed_etag("events", "", site, feed_window(now=NOW + dt.timedelta(hours=20)), STATE) == etag
    )
    assert (
        len(
            {
                etag,
                feed_etag("events", "", site, window, FeedState(4, STATE.last_change, (9,))),
                feed_etag("events", "", site, window, FeedState(3, STATE.last_change, (10,))),
                feed_etag("events", "", FeedSite("http://127.0.0.1:8141"), window, STATE),
                feed_etag("events", "", site, feed_window(now=NOW + dt.timedelta(days=1)), STATE),
                feed_etag("me", "token", site, window, STATE),
            }
        )
        == 6
    )


def test_last_modified_is_the_newest_change_or_the_start_of_the_day():
    window = feed_window(now=NOW)
    an_hour_in = window.day_start + dt.timedelta(hours=1)

    assert feed_last_modified(window, STATE) == int(window.day_start.timestamp())
    assert feed_last_modified(window, STATE, FeedState(1, an_hour_in)) == an_hour_in.timestamp()


def test_a_body_is_built_once_per_etag():
    built = []

    def build() -> bytes:
        built.append(1)
        return b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    assert cached_feed('"a"', build) == cached_feed('"a"', build)
    cached_feed('"b"', build)
    assert len(built) == 2


def test_a_message_has_a_method_and_the_moment_it_was_made_as_dtstamp():
    item = FeedItem(
        uid="booking-1@sports.example",
        summary="预约：罗湖体育馆 一号场",
        starts_at=dt.datetime(2026, 3, 5, 19, tzinfo=SHANGHAI),
        ends_at=dt.datetime(2026, 3, 5, 20, tzinfo=SHANGHAI),
        last_modified=dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC),
    )

    body = build_message([item], method="PUBLISH", stamp=NOW)

    lines = unfold(body)
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Luohu District//Sports Booking and Events//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert "DTSTAMP:20260301T173000Z" in lines
    assert "LAST-MODIFIED:20260301T080000Z" in lines
    # Apart from DTSTAMP, the VEVENT is byte for byte the feeds' one.
    feed_vevent = render_vevent(item).replace(
        b"DTSTAMP:20260301T080000Z", b"DTSTAMP:20260301T173000Z"
    )
    assert feed_vevent in body
    assert_parsers_agree(body)
