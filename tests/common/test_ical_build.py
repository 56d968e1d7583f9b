"""common.ical.build_calendar: RFC 5545 wire format, checked on raw bytes and by three parsers."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest

from common.ical import (
    FeedItem,
    VEventCache,
    build_calendar,
    escape_text,
    fold_line,
    render_vevent,
)
from tests.js.parsers import (
    assert_parsers_agree,
    assert_wire_format,
    occurrences_with_icaljs,
    occurrences_with_recurring_ical_events,
    parse_with_icalendar,
    parse_with_icaljs,
    unfold,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANGED = dt.datetime(2026, 2, 1, 8, 30, tzinfo=dt.UTC)
LONG_CHINESE = (
    "梧桐山登高赛是深圳市罗湖区的传统群众体育赛事，赛道沿梧桐山登山步道而上，全程约十公里，"
    "累计爬升九百余米。请参赛者提前一小时到达检录处，携带身份证件，穿着合适的运动鞋服；"
    "沿途设有补给站和医疗点，山顶设有终点计时。😀 表情符号与「全角标点」也要保留。\n"
    "第二段：比赛当日七点起山路临时交通管制，请乘坐地铁前往。"
)


def item(**overrides: object) -> FeedItem:
    values: dict[str, object] = {
        "uid": "event-0b7c1a9e-1111-4222-8333-944455556666@sports.example",
        "summary": "梧桐山登高赛 Wutong Mountain climbing race",
        "starts_at": dt.datetime(2026, 3, 7, 8, 0, tzinfo=SHANGHAI),
        "ends_at": dt.datetime(2026, 3, 7, 12, 0, tzinfo=SHANGHAI),
        "last_modified": CHANGED,
        "sequence": 3,
        "description": "带上水。Bring water.",
        "location": "梧桐山风景区（罗湖区）",
        "geo": (Decimal("22.583333"), Decimal("114.200000")),
        "url": "https://sports.example/events/7/",
        "categories": ("赛事 Race",),
        "created": dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC),
    }
    values.update(overrides)
    return FeedItem(**values)  # type: ignore[arg-type]


def test_long_chinese_description_is_folded_at_75_octets_without_splitting_a_character():
    body = build_calendar([item(description=LONG_CHINESE)], name="罗湖活动")

    lines = assert_wire_format(body)  # every line <= 75 octets and valid UTF-8 on its own
    continuation = [line for line in lines if line.startswith(b" ")]
    assert len(continuation) >= 5
    # A fold may land short of 75 octets only to keep a 3- or 4-octet character whole.
    for index, line in enumerate(lines[:-1]):
        if lines[index + 1].startswith(b" "):
            assert len(line) >= 72, line
    description = next(line for line in unfold(body) if line.startswith("DESCRIPTION:"))
    assert description == "DESCRIPTION:" + escape_text(LONG_CHINESE)
    event = parse_with_icalendar(body).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]) == LONG_CHINESE
    assert parse_with_icaljs(body)["events"][0]["description"] == LONG_CHINESE


def test_fold_line_cuts_before_a_multi_octet_character_that_would_straddle_the_limit():
    line = "DESCRIPTION:" + "a" * 62 + "中文"  # 74 ASCII octets, then 3 + 3 octets

    folded = fold_line(line)

    first, second = folded.split(b"\r\n ")
    assert first == ("DESCRIPTION:" + "a" * 62).encode()
    assert second == "中文".encode() + b"\r\n"


def test_short_lines_are_not_folded_and_end_in_crlf():
    assert fold_line("SUMMARY:" + "x" * 67) == b"SUMMARY:" + b"x" * 67 + b"\r\n"
    assert fold_line("SUMMARY:" + "x" * 68).count(b"\r\n ") == 1


def test_text_values_are_escaped_and_read_back_identically_by_every_parser():
    tricky = 'a,b;c\\d\r\ne\nf\rg "quoted" <tag> \x00bell\x07 tab\there'
    body = build_calendar([item(summary=tricky, location="场馆; 1号, 2号")], name="x,y;z")

    parsed = assert_parsers_agree(body)

    expected = 'a,b;c\\d\ne\nf\ng "quoted" <tag> bell tab\there'
    assert parsed["events"][0]["summary"] == expected
    assert str(parse_with_icalendar(body).walk("VEVENT")[0]["SUMMARY"]) == expected
    assert parsed["events"][0]["location"] == "场馆; 1号, 2号"
    # Escaped as TEXT (RFC 7986), but both parsers type NAME and X-WR-CALNAME as unknown and
    # hand the text over as it is: the feeds keep commas and semicolons out of their names.
    assert parsed["calendar"]["name"] == "x\\,y\\;z"
    assert parse_with_icalendar(body)["X-WR-CALNAME"].to_ical() == b"x\\,y\\;z"


def test_calendar_has_name_refresh_hints_and_an_asia_shanghai_vtimezone():
    body = build_calendar([item()], name="罗湖活动 Luohu events", description="全部活动")

    calendar = parse_with_icalendar(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["NAME"]) == "罗湖活动 Luohu events"
    assert str(calendar["X-WR-CALNAME"]) == "罗湖活动 Luohu events"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT4H" in unfold(body)
    assert "X-PUBLISHED-TTL:PT4H" in unfold(body)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    parsed = parse_with_icaljs(body)
    assert parsed["timezones"] == ["Asia/Shanghai"]
    assert parsed["calendar"]["refresh-interval"] == "PT4H"


def test_ical_js_reads_local_times_through_the_vtimezone_as_utc_plus_8():
    body = build_calendar([item()], name="x")

    event = assert_parsers_agree(body)["events"][0]

    assert event["dtstart_zone"] == "Asia/Shanghai"  # resolved, not floating
    assert event["start_utc"] == "2026-03-07T00:00:00Z"
    assert event["end_utc"] == "2026-03-07T04:00:00Z"
    assert "DTSTART;TZID=Asia/Shanghai:20260307T080000" in unfold(body)


def test_stamps_are_utc_and_dtstamp_equals_last_modified():
    body = build_calendar([item()], name="x")

    lines = unfold(body)
    assert "DTSTAMP:20260201T083000Z" in lines
    assert "LAST-MODIFIED:20260201T083000Z" in lines
    assert "CREATED:20260105T020000Z" in lines
    assert "SEQUENCE:3" in lines
    assert "GEO:22.583333;114.200000" in lines
    assert "URL:https://sports.example/events/7/" in lines


def test_recurring_event_expands_to_the_same_occurrences_in_both_parsers_with_the_exdate_gap():
    first = dt.datetime(2026, 3, 7, 19, 30, tzinfo=SHANGHAI)
    saturdays = [first + dt.timedelta(weeks=week) for week in range(6)]
    weekly = item(
        uid="event-weekly@sports.example",
        starts_at=saturdays[0],
        ends_at=saturdays[0] + dt.timedelta(hours=2),
        rrule="FREQ=WEEKLY;BYDAY=SA;COUNT=6",
        exdates=(saturdays[2],),
    )
    body = build_calendar([weekly, item()], name="x")
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC)

    python = occurrences_with_recurring_ical_events(body, start, end)
    parsed = assert_parsers_agree(body)
    javascript = occurrences_with_icaljs(parsed, start, end)

    expected = [
        (
            saturday.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            (saturday + dt.timedelta(hours=2)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        for index, saturday in enumerate(saturdays)
        if index != 2
    ]
    assert python["event-weekly@sports.example"] == expected
    assert javascript == python
    assert expected[1][0] == "2026-03-14T11:30:00Z"  # 19:30 in Shanghai
    assert expected[2][0] == "2026-03-28T11:30:00Z"  # 21 March skipped
    assert "EXDATE;TZID=Asia/Shanghai:20260321T193000" in unfold(body)


def test_a_local_or_date_only_until_is_written_as_utc_as_rfc_5545_requires():
    local_until = render_vevent(item(rrule="FREQ=DAILY;UNTIL=20260310T080000"))
    date_until = render_vevent(item(rrule="RRULE:FREQ=DAILY;UNTIL=20260310"))

    assert b"RRULE:FREQ=DAILY;UNTIL=20260310T000000Z" in local_until
    assert b"RRULE:FREQ=DAILY;UNTIL=20260310T155959Z" in date_until
    body = build_calendar([item(rrule="FREQ=DAILY;UNTIL=20260310")], name="x")
    occurrences = parse_with_icaljs(body)["events"][0]["occurrences"]
    assert [o["start_utc"][:10] for o in occurrences] == [
        "2026-03-07",
        "2026-03-08",
        "2026-03-09",
        "2026-03-10",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"starts_at": dt.datetime(2026, 3, 7, 8, 0)},  # naive
        {"ends_at": dt.datetime(2026, 3, 7, 7, 0, tzinfo=SHANGHAI)},  # before the start
        {"rrule": "BYDAY=SA"},  # no FREQ
        {"rrule": "FREQ=WEEKLY\r\nX-INJECTED:1"},
        {"status": "MAYBE"},
        {"url": "https://x.example/a b"},
    ],
)
def test_a_malformed_item_is_refused_or_left_out_when_asked(bad):
    with pytest.raises(ValueError):
        build_calendar([item(**bad)], name="x")

    body = build_calendar([item(**bad), item(uid="good@x")], name="x", skip_invalid=True)

    assert [str(e["UID"]) for e in parse_with_icalendar(body).walk("VEVENT")] == ["good@x"]


def test_cache_renders_an_item_once_and_a_changed_item_again():
    cache = VEventCache(maxsize=10)
    first = build_calendar([item()], name="x", cache=cache)
    again = build_calendar([item()], name="x", cache=cache)
    edited = build_calendar([item(sequence=4, summary="改期")], name="x", cache=cache)

    assert first == again == build_calendar([item()], name="x")
    assert (cache.hits, cache.misses) == (1, 2)
    assert b"SEQUENCE:4" in edited and "SUMMARY:改期".encode() in edited


def test_cache_stays_within_its_size():
    cache = VEventCache(maxsize=20)
    for n in range(100):
        cache.render(item(uid=f"u{n}@x"))

    assert len(cache) <= 20


def test_our_vevent_reads_the_same_as_one_written_by_icalendar():
    """The hand-written serializer against icalendar's own output for the same values."""
    ours = item(
        description=LONG_CHINESE,
        rrule="FREQ=WEEKLY;BYDAY=SA;COUNT=4",
        exdates=(dt.datetime(2026, 3, 14, 8, 0, tzinfo=SHANGHAI),),
    )
    reference = icalendar.Calendar()
    reference.add("prodid", "-//reference//")
    reference.add("version", "2.0")
    reference.add_component(icalendar.Timezone.from_tzinfo(SHANGHAI, tzid="Asia/Shanghai"))
    event = icalendar.Event()
    event.add("uid", ours.uid)
    event.add("dtstamp", ours.last_modified)
    event.add("created", ours.created)
    event.add("last-modified", ours.last_modified)
    event.add("sequence", ours.sequence)
    event.add("dtstart", ours.starts_at)
    event.add("dtend", ours.ends_at)
    event.add("rrule", icalendar.vRecur.from_ical(ours.rrule))
    event.add("exdate", list(ours.exdates))
    event.add("summary", ours.summary)
    event.add("description", ours.description)
    event.add("location", ours.location)
    event.add("geo", (float(ours.geo[0]), float(ours.geo[1])))  # type: ignore[index]
    event.add("url", ours.url)
    event.add("categories", list(ours.categories))
    event.add("status", ours.status)
    reference.add_component(event)
    theirs = reference.to_ical()

    ours_body = build_calendar([ours], name="x")
    mine = parse_with_icalendar(ours_body).walk("VEVENT")[0]
    other = parse_with_icalendar(theirs).walk("VEVENT")[0]
    names = {
        "UID",
        "DTSTAMP",
        "CREATED",
        "LAST-MODIFIED",
        "SEQUENCE",
        "DTSTART",
        "DTEND",
        "RRULE",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "URL",
        "STATUS",
    }
    assert {n for n in mine if n != "GEO" and n != "EXDATE" and n != "CATEGORIES"} == names
    for name in names:
        assert mine.decoded(name) == other.decoded(name), name
    assert mine["GEO"].to_ical() == other["GEO"].to_ical()
    assert [d.dts[0].dt for d in [mine["EXDATE"]]] == [d.dts[0].dt for d in [other["EXDATE"]]]
    assert mine["CATEGORIES"].cats == other["CATEGORIES"].cats
    # Both parsers expand both files to the same occurrences.
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert occurrences_with_recurring_ical_events(
        ours_body, start, end
    ) == occurrences_with_recurring_ical_events(theirs, start, end)
    assert occurrences_with_icaljs(
        parse_with_icaljs(ours_body), start, end
    ) == occurrences_with_icaljs(parse_with_icaljs(theirs), start, end)
