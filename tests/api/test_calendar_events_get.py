"""GET /calendar/events.ics: the public event feed."""

import datetime as dt
from decimal import Decimal
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from events import feed_tokens, lifecycle
from events.models import Event
from tests.api.helpers import FEED_SITE
from tests.factories import (
    EventFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
    VenueFactory,
)
from tests.js.parsers import (
    assert_parsers_agree,
    assert_wire_format,
    occurrences_with_icaljs,
    occurrences_with_recurring_ical_events,
    unfold,
    utc_iso,
    vevents,
)

URL = "/calendar/events.ics"
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("feed_site")]


@pytest.fixture
def organiser(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="organiser", is_staff=True)


@pytest.fixture
def organisation(organiser):  # type: ignore[no-untyped-def]
    return OrganisationFactory(members=[organiser])


def uid_of(event) -> str:  # type: ignore[no-untyped-def]
    return f"event-{event.uid}@sports.luohu.example"


def test_feed_is_utf8_text_calendar_with_caching_headers_and_crlf_lines(client):
    event = EventFactory(title_zh="梧桐山登高赛", title_en="Wutong Mountain climb")

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert parsedate_to_datetime(response["Last-Modified"]) <= timezone.now()
    assert "max-age" in response["Cache-Control"]
    body = response.content
    assert_wire_format(body)
    assert body.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    parsed = assert_parsers_agree(body)
    assert parsed["calendar"]["x-wr-calname"] == "罗湖体育与文化活动 Luohu events"
    assert parsed["calendar"]["refresh-interval"] == "PT4H"
    assert parsed["calendar"]["x-published-ttl"] == "PT4H"
    assert parsed["timezones"] == ["Asia/Shanghai"]
    [entry] = parsed["events"]
    assert entry["uid"] == uid_of(event)
    assert entry["summary"] == "梧桐山登高赛"
    assert entry["url"] == f"{FEED_SITE}/events/{event.pk}/"
    assert entry["status"] == "CONFIRMED"
    assert entry["start_utc"] == utc_iso(event.starts_at)
    assert entry["dtstart_zone"] == "Asia/Shanghai"


def test_ical_js_computes_utc_from_the_shanghai_wall_clock(client):
    starts = dt.datetime.now(SHANGHAI).replace(hour=19, minute=30, second=0, microsecond=0)
    starts += dt.timedelta(days=3)
    EventFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))

    body = client.get(URL).content

    local = starts.strftime("%Y%m%dT%H%M%S")
    assert f"DTSTART;TZID=Asia/Shanghai:{local}" in unfold(body)
    [entry] = assert_parsers_agree(body)["events"]
    expected = (starts - dt.timedelta(hours=8)).replace(tzinfo=dt.UTC)
    assert entry["start_utc"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_event_at_a_venue_carries_the_venue_as_location_and_geo(client):
    venue = VenueFactory(
        name_zh="罗湖体育中心",
        address_zh="罗湖区文锦中路1号",
        latitude=Decimal("22.548400"),
        longitude=Decimal("114.131200"),
    )
    EventFactory(
        venue=venue,
        location_zh="",
        location_en="",
        latitude=None,
        longitude=None,
        category="tennis",
    )

    [entry] = assert_parsers_agree(client.get(URL).content)["events"]

    assert entry["location"] == "罗湖体育中心（罗湖区文锦中路1号）"
    assert entry["geo"] == [22.5484, 114.1312]
    assert entry["categories"] == ["网球 Tennis"]


def test_drafts_and_events_awaiting_approval_never_appear_in_any_feed(client, resident):
    venue = VenueFactory()
    published = EventFactory(venue=venue, title_zh="公开活动")
    hidden = [
        EventFactory(venue=venue, status="draft", published_at=None, title_zh="草稿活动"),
        EventFactory(
            venue=venue, status="pending_approval", published_at=None, title_zh="待审核活动"
        ),
        # Cancelled before it was ever published: it never became public.
        EventFactory(venue=venue, status="cancelled", published_at=None, title_zh="未发布取消"),
    ]
    for event in hidden:
        RegistrationFactory(event=event, resident=resident)
    token = feed_tokens.get_or_create_feed_token(user=resident).token

    urls = [
        URL,
        f"{URL}?category=race",
        f"{URL}?venue={venue.pk}",
        f"/calendar/venues/{venue.pk}.ics",
        f"/calendar/me/{token}.ics",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for event in hidden:
            assert str(event.uid) not in text, url
            assert event.title_zh not in text, url
    assert set(vevents(client.get(URL).content)) == {uid_of(published)}


def test_edited_event_keeps_its_uid_and_raises_sequence_and_last_modified(
    client, organiser, organisation
):
    event = EventFactory(organisation=organisation, title_zh="象棋公开赛")
    first = client.get(URL)
    before = vevents(first.content)[uid_of(event)]

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        lifecycle.update_event(
            event_id=event.pk,
            by_user=organiser,
            changes={
                "title_zh": "象棋公开赛（改期）",
                "starts_at": event.starts_at + dt.timedelta(hours=1),
            },
        )
        second = client.get(URL, headers={"if-none-match": first["ETag"]})

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    after = vevents(second.content)[uid_of(event)]
    assert str(after["SUMMARY"]) == "象棋公开赛（改期）"
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTAMP") == after.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTART") == before.decoded("DTSTART") + dt.timedelta(hours=1)
    assert_parsers_agree(second.content)


def test_cancelled_event_stays_with_status_cancelled_for_30_days_then_disappears(
    client, organiser, organisation
):
    event = EventFactory(organisation=organisation, title_zh="龙舟赛")
    lifecycle.cancel_event(event_id=event.pk, by_user=organiser, reason="天气原因 Weather")

    parsed = assert_parsers_agree(client.get(URL).content)
    [entry] = parsed["events"]
    assert entry["uid"] == uid_of(event)
    assert entry["status"] == "CANCELLED"
    assert entry["summary"].startswith("【已取消 Cancelled】")
    assert "天气原因 Weather" in entry["description"]
    assert entry["sequence"] >= 1

    # The event itself started a week after the cancellation and ended 3 hours later: 29 days
    # on it has ended, but the cancellation is still news.
    with time_machine.travel(timezone.now() + dt.timedelta(days=29)):
        assert uid_of(event) in vevents(client.get(URL).content)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert vevents(client.get(URL).content) == {}


def test_matching_if_none_match_gets_304_with_one_query_and_no_body(
    client, django_assert_num_queries
):
    EventFactory.create_batch(3)
    first = client.get(URL)

    with django_assert_num_queries(1):
        repeat = client.get(URL, headers={"if-none-match": first["ETag"]})

    assert repeat.status_code == 304
    assert repeat.content == b""
    assert repeat["ETag"] == first["ETag"]
    assert repeat["Last-Modified"] == first["Last-Modified"]


def test_if_modified_since_the_last_modified_gets_304(client):
    EventFactory()
    first = client.get(URL)

    repeat = client.get(URL, headers={"if-modified-since": first["Last-Modified"]})

    assert repeat.status_code == 304


def test_a_stale_etag_or_a_new_event_gets_the_full_feed(client):
    EventFactory()
    first = client.get(URL)
    stale = client.get(URL, headers={"if-none-match": '"not-the-etag"'})
    EventFactory()
    changed = client.get(URL, headers={"if-none-match": first["ETag"]})

    assert stale.status_code == 200 and stale.content == first.content
    assert changed.status_code == 200
    assert len(vevents(changed.content)) == 2


def test_an_unchanged_feed_is_served_byte_for_byte_the_same(client):
    EventFactory.create_batch(2)

    first, second = client.get(URL), client.get(URL)

    assert first.content == second.content and first["ETag"] == second["ETag"]


def test_category_filter_keeps_only_that_category(client):
    race = EventFactory(category="race")
    dance = EventFactory(category="dance")
    go = EventFactory(category="mind_sports")

    assert set(vevents(client.get(f"{URL}?category=race").content)) == {uid_of(race)}
    both = client.get(f"{URL}?category=dance,mind_sports").content
    assert set(vevents(both)) == {uid_of(dance), uid_of(go)}
    assert client.get(f"{URL}?category=race")["ETag"] != client.get(URL)["ETag"]


def test_venue_filter_keeps_only_that_venue(client):
    venue, other = VenueFactory(), VenueFactory()
    here = EventFactory(venue=venue)
    EventFactory(venue=other)
    EventFactory()

    assert set(vevents(client.get(f"{URL}?venue={venue.pk}").content)) == {uid_of(here)}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("category=swimming", 400, "unknown_category"),
        ("category=race,bogus", 400, "unknown_category"),
        ("venue=abc", 400, "invalid_venue"),
        ("venue=-1", 400, "invalid_venue"),
        ("venue=1.5", 400, "invalid_venue"),
        ("venue=%EF%BC%91", 400, "invalid_venue"),  # a full-width digit one
        ("venue=987654", 404, "venue_not_found"),
    ],
)
def test_bad_filters_get_an_error_with_a_code_never_an_empty_feed(client, db, query, status, code):
    response = client.get(f"{URL}?{query}")

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert body["detail"]


def test_only_get_and_head_are_allowed(client, db):
    assert client.post(URL).status_code == 405
    head = client.head(URL)
    assert head.status_code == 200 and head["Content-Type"].startswith("text/calendar")


def test_feed_covers_30_days_back_to_a_year_ahead_and_any_series_overlapping_it(
    client, organiser, organisation
):
    now = timezone.now()
    recent = EventFactory(starts_at=now - dt.timedelta(days=20))
    long_past = EventFactory(starts_at=now - dt.timedelta(days=40))
    next_year = EventFactory(starts_at=now + dt.timedelta(days=300))
    too_far = EventFactory(starts_at=now - dt.timedelta(days=5) + dt.timedelta(days=400))
    # A weekly class that began a year ago and never ends, and one that ended two months ago.
    open_ended = EventFactory(starts_at=now - dt.timedelta(days=365), rrule="FREQ=WEEKLY")
    finished = EventFactory(starts_at=now - dt.timedelta(days=120), rrule="FREQ=WEEKLY;COUNT=8")

    uids = set(vevents(client.get(URL).content))

    assert uid_of(recent) in uids and uid_of(next_year) in uids and uid_of(open_ended) in uids
    assert uid_of(long_past) not in uids
    assert uid_of(too_far) not in uids
    assert uid_of(finished) not in uids


def test_recurring_event_expands_alike_in_both_parsers_with_its_exdate_gap(
    client, organiser, organisation
):
    first = dt.datetime.now(SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0)
    first += dt.timedelta(days=(5 - first.weekday()) % 7 + 7)  # a Saturday at least a week away
    skipped = first + dt.timedelta(weeks=2)
    event = lifecycle.create_event(
        by_user=organiser,
        organisation_id=organisation.pk,
        title_zh="周六围棋课",
        title_en="Saturday Go class",
        category="mind_sports",
        location_zh="罗湖图书馆",
        starts_at=first,
        ends_at=first + dt.timedelta(hours=2),
        rrule="FREQ=WEEKLY;BYDAY=SA;COUNT=5",
        exdates=[skipped.isoformat()],
    )
    lifecycle.publish_event(event_id=event.pk, by_user=organiser)

    body = client.get(URL).content

    window = (timezone.now(), timezone.now() + dt.timedelta(days=120))
    python = occurrences_with_recurring_ical_events(body, *window)
    javascript = occurrences_with_icaljs(assert_parsers_agree(body), *window)
    expected = [
        (utc_iso(first + dt.timedelta(weeks=w)), utc_iso(first + dt.timedelta(weeks=w, hours=2)))
        for w in (0, 1, 3, 4)
    ]
    assert python == javascript == {uid_of(event): expected}
    entry = vevents(body)[uid_of(event)]
    assert entry["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=5;BYDAY=SA"


def test_one_malformed_row_is_left_out_instead_of_failing_the_whole_feed(client, caplog):
    good = EventFactory()
    broken = EventFactory(rrule="FREQ=WEEKLY;COUNT=3")
    Event.objects.filter(pk=broken.pk).update(rrule="NOT-A-RULE")

    response = client.get(URL)

    assert response.status_code == 200
    assert set(vevents(response.content)) == {uid_of(good)}
    assert uid_of(broken) in caplog.text
