"""Recurrence rules and exception dates at the edges of what the libraries can represent.

Input is refused with 400 `fields` errors (bounds in docs/events.md, "Recurrence"); a stored row
that slipped in under older rules is read leniently and never takes a page or feed down.
"""

import datetime as dt
import time

import pytest

from events import lifecycle, recurrence
from events.exceptions import InvalidEventError, InvalidExdatesError, InvalidRRuleError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "rrule",
    [
        # COUNT beyond 32 bits was accepted and the event then vanished from every feed
        "FREQ=DAILY;COUNT=4294967297",
        "FREQ=DAILY;COUNT=99999999999999999999",
        "FREQ=DAILY;COUNT=1001",
        "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;COUNT=-1",
        "FREQ=DAILY;COUNT=٩",  # an Arabic-Indic nine: int() reads it, icalendar does not
        "FREQ=DAILY;UNTIL=99991231T235959Z",
        "FREQ=YEARLY;UNTIL=99991231T235959Z",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;INTERVAL=1000000000",
        "FREQ=DAILY;INTERVAL=101",
        "FREQ=MONTHLY;BYDAY=99MO",  # dateutil raised IndexError: an HTML 500
        "FREQ=MONTHLY;BYDAY=6MO",
        "FREQ=WEEKLY;BYDAY=2MO",  # RFC 5545: no ordinal outside MONTHLY and YEARLY
        "FREQ=WEEKLY;BYDAY=-MO",
        "FREQ=YEARLY;BYDAY=54MO",
        "FREQ=MONTHLY;BYMONTHDAY=40",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=WEEKLY;BYMONTHDAY=1",
        "FREQ=YEARLY;BYYEARDAY=400",
        "FREQ=MONTHLY;BYYEARDAY=1",
        "FREQ=YEARLY;BYWEEKNO=60",
        "FREQ=YEARLY;BYMONTH=13",
        "FREQ=YEARLY;BYMONTH=-1",
        "FREQ=YEARLY;BYDAY=MO;BYSETPOS=1000",
        "FREQ=MONTHLY;BYSETPOS=1",
        "FREQ=DAILY;BYHOUR=9,10",
        "FREQ=DAILY;BYMINUTE=0",
        "FREQ=DAILY;BYSECOND=70",
        "FREQ=DAILY;BYEASTER=1",
        "FREQ=DAILY;X-FOO=1",
        "FREQ=DAILY;WKST=XX",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",  # no occurrence, ever
        "FREQ=DAILY;UNTIL=20000101T000000Z",  # ends before it starts
        "FREQ=DAILY;UNTIL=00010101T000000Z",
    ],
)
def test_rules_past_the_bounds_are_refused_with_a_field_error(refused_rrule, rrule):
    error = refused_rrule(rrule)
    assert error.fields and error.fields["rrule"]


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=DAILY;COUNT=1000",
        "FREQ=WEEKLY;INTERVAL=100;COUNT=2",
        "FREQ=MONTHLY;BYDAY=-1SU;COUNT=6",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1;COUNT=3",
        "FREQ=YEARLY;BYDAY=20MO;COUNT=2",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=2",  # leap days: the next is within 5 years
        "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3",
        "FREQ=WEEKLY;BYDAY=SA,SU;WKST=MO",
        "FREQ=WEEKLY",  # open-ended series stay allowed
    ],
)
def test_rules_inside_the_bounds_are_accepted(organiser, event_fields, rrule):
    event_fields["rrule"] = rrule
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert event.rrule == rrule


def test_until_about_five_years_ahead_is_the_limit(organiser, event_fields):
    start = event_fields["starts_at"]
    inside = (start + dt.timedelta(days=5 * 365)).astimezone(dt.UTC)
    event_fields["rrule"] = f"FREQ=YEARLY;UNTIL={inside:%Y%m%dT%H%M%SZ}"
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert event.last_starts_at is not None
    assert event.last_starts_at.year == (start + dt.timedelta(days=4 * 365 + 1)).year

    outside = (start + dt.timedelta(days=5 * 365 + 2)).astimezone(dt.UTC)
    event_fields["rrule"] = f"FREQ=YEARLY;UNTIL={outside:%Y%m%dT%H%M%SZ}"
    with pytest.raises(InvalidRRuleError) as excinfo:
        lifecycle.create_event(by_user=organiser, **event_fields)
    assert "rrule" in excinfo.value.fields  # type: ignore[operator]


def test_a_rule_that_never_matches_is_refused_quickly(event_fields):
    started = time.perf_counter()
    with pytest.raises(InvalidRRuleError):
        recurrence.parse_rrule(
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", dtstart=event_fields["starts_at"]
        )
    # dateutil alone walks such a rule to the year 9999: about 15 s here.
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "exdate",
    [
        "0001-01-01T00:00:00+14:00",  # both overflowed converting to local time: an HTML 500
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59+00:00",
        "1970-01-01T00:00:00+08:00",
    ],
)
def test_exdates_at_the_ends_of_the_calendar_are_refused(organiser, event_fields, exdate):
    event_fields["rrule"] = "FREQ=WEEKLY"
    event_fields["exdates"] = [exdate]
    with pytest.raises(InvalidExdatesError) as excinfo:
        lifecycle.create_event(by_user=organiser, **event_fields)
    assert excinfo.value.fields and excinfo.value.fields["exdates"]


def test_an_exdate_over_five_years_ahead_is_refused(organiser, event_fields):
    start = event_fields["starts_at"]
    event_fields["rrule"] = "FREQ=WEEKLY"
    event_fields["exdates"] = [(start + dt.timedelta(weeks=53 * 5)).isoformat()]
    with pytest.raises(InvalidExdatesError):
        lifecycle.create_event(by_user=organiser, **event_fields)

    event_fields["exdates"] = [(start + dt.timedelta(weeks=52 * 4)).isoformat()]
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert len(event.exdates) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starts_at", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
        ("starts_at", dt.datetime(1999, 12, 31, 23, tzinfo=dt.UTC)),
        ("ends_at", dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)),
        ("ends_at", dt.datetime(2101, 1, 1, tzinfo=dt.UTC)),
        ("registration_opens_at", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
        ("registration_closes_at", dt.datetime(9999, 12, 31, tzinfo=dt.UTC)),
    ],
)
def test_event_times_outside_2000_to_2100_are_refused(organiser, event_fields, field, value):
    event_fields[field] = value
    with pytest.raises(InvalidEventError) as excinfo:
        lifecycle.create_event(by_user=organiser, **event_fields)
    assert excinfo.value.fields and field in excinfo.value.fields


def test_postponing_to_year_9999_is_refused(organiser, event_fields):
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    lifecycle.publish_event(event_id=event.pk, by_user=organiser)
    far = dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC)
    with pytest.raises(InvalidEventError):
        lifecycle.postpone_event(
            event_id=event.pk, by_user=organiser, starts_at=far, ends_at=far + dt.timedelta(hours=1)
        )


@pytest.mark.parametrize(
    "stored",
    ["FREQ=MONTHLY;BYDAY=99MO", "FREQ=DAILY;COUNT=4294967297", "NOT A RULE", "FREQ=DAILY;X=1"],
)
def test_a_stored_rule_that_cannot_be_walked_counts_as_a_one_off(event_fields, stored, caplog):
    start, end = event_fields["starts_at"], event_fields["ends_at"]
    found = recurrence.occurrences_between(
        starts_at=start,
        ends_at=end,
        rrule_text=stored,
        exdates=[],
        after=start - dt.timedelta(days=1),
        before=start + dt.timedelta(days=40),
    )
    if stored == "FREQ=DAILY;COUNT=4294967297":  # readable: the first 40 days of it
        assert len(found) == 40
    else:
        assert found == [(start, end)]
        assert "Cannot walk the stored rule" in caplog.text


def test_listing_occurrences_is_bounded(event_fields):
    start, end = event_fields["starts_at"], event_fields["ends_at"]
    found = recurrence.occurrences_between(
        starts_at=start,
        ends_at=end,
        rrule_text="FREQ=DAILY",
        exdates=[],
        after=start,
        before=start + dt.timedelta(days=365 * 20),
    )
    assert len(found) == recurrence.MAX_OCCURRENCES_LISTED
