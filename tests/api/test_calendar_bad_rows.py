"""One bad stored row never drops the other entries of a feed, nor the whole feed.

Input validation now refuses such rows (tests/events/test_recurrence_bounds.py), but rows written
under older rules, or by hand, stay in the database: the feed logs and leaves out what it cannot
write and serves everything else.
"""

import datetime as dt

import pytest

from events import feed_tokens
from tests.factories import EventFactory, RegistrationFactory, UserFactory
from tests.js.parsers import parse_with_icalendar

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_feed_caches")]

FAR_END = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)  # 10000-01-01 07:00 in Shanghai
BAD_ROWS = {
    # COUNT beyond 32 bits: icalendar refuses to write it (RFC 5545 integers)
    "count-beyond-32-bits": {"rrule": "FREQ=WEEKLY;COUNT=4294967297"},
    # an end that cannot be converted to local time (OverflowError, not ValueError)
    "end-in-year-10000-locally": {"ends_at": FAR_END, "last_ends_at": FAR_END},
    # a rule dateutil crashes on and icalendar writes as is
    "ordinal-out-of-range": {"rrule": "FREQ=MONTHLY;BYDAY=99MO"},
    # exception dates that are no dates
    "junk-exdates": {
        "rrule": "FREQ=WEEKLY;COUNT=3",
        "exdates": ["x", "2026-13-01T00:00:00+08:00", 5],
    },
}


def bad_event(kind: str):  # type: ignore[no-untyped-def]
    # Written directly, as an old row would be: no validation, no derived last_* fields.
    fields = {"last_starts_at": None, "last_ends_at": None, **BAD_ROWS[kind]}
    return EventFactory(title_zh=f"坏 {kind}", **fields)


def uids_in(body: bytes) -> list[str]:
    return [str(event["UID"]) for event in parse_with_icalendar(body).walk("VEVENT")]


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_public_feed_serves_the_good_events_around_a_bad_row(client, kind):
    before = EventFactory(title_zh="好一")
    bad = bad_event(kind)
    after = EventFactory(title_zh="好二")

    for url in ("/calendar/events.ics", "/calendar/events.ics?category=race"):
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        uids = uids_in(response.content)
        assert any(str(after.uid) in uid for uid in uids)
        assert any(str(before.uid) in uid for uid in uids)
        if kind in ("count-beyond-32-bits", "end-in-year-10000-locally"):
            assert not any(str(bad.uid) in uid for uid in uids)


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_personal_feed_serves_the_other_registrations_around_a_bad_row(client, kind):
    resident = UserFactory(username="dora")
    good = RegistrationFactory(resident=resident, event=EventFactory(title_zh="好"))
    RegistrationFactory(resident=resident, event=bad_event(kind))
    token = feed_tokens.get_or_create_feed_token(user=resident).token

    response = client.get(f"/calendar/me/{token}.ics")

    assert response.status_code == 200, response.content[:300]
    uids = uids_in(response.content)
    assert any(str(good.uid) in uid for uid in uids)
