import datetime as dt
from decimal import Decimal

import pytest

from events import lifecycle, registrations
from events.exceptions import (
    ApprovalRequiredError,
    CapacityBelowRegistrationsError,
    EventCancelledError,
    EventNotFoundError,
    InvalidEventError,
    InvalidExdatesError,
    InvalidTimeRangeError,
    NaiveDatetimeError,
    NotOrganiserError,
    UnknownCategoryError,
    UnknownOrganisationError,
    UnknownVenueError,
)
from events.models import Event, Registration
from tests.factories import OrganisationFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_organiser_creates_a_draft_with_normalised_fields(organiser, event_fields):
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert event.status == Event.Status.DRAFT
    assert event.created_by == organiser
    assert event.latitude == Decimal("22.580000")
    assert event.last_starts_at == event.starts_at
    assert event.last_ends_at == event.ends_at
    assert event.sequence == 0


def test_organisation_can_be_left_out_by_a_member_of_exactly_one(organiser, event_fields):
    event_fields.pop("organisation_id")
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert event.organisation.slug == "luohu-sports"


def test_end_before_start_is_refused(organiser, event_fields):
    event_fields["ends_at"] = event_fields["starts_at"] - dt.timedelta(hours=1)
    with pytest.raises(InvalidTimeRangeError) as excinfo:
        lifecycle.create_event(by_user=organiser, **event_fields)
    assert excinfo.value.code == "invalid_time_range"


def test_end_equal_to_start_is_refused(organiser, event_fields):
    event_fields["ends_at"] = event_fields["starts_at"]
    with pytest.raises(InvalidTimeRangeError):
        lifecycle.create_event(by_user=organiser, **event_fields)


def test_naive_start_is_refused(organiser, event_fields):
    event_fields["starts_at"] = event_fields["starts_at"].replace(tzinfo=None)
    with pytest.raises(NaiveDatetimeError):
        lifecycle.create_event(by_user=organiser, **event_fields)


def test_registration_closing_before_it_opens_is_refused(organiser, event_fields, next_week):
    event_fields["registration_opens_at"] = next_week - dt.timedelta(days=1)
    event_fields["registration_closes_at"] = next_week - dt.timedelta(days=2)
    with pytest.raises(InvalidTimeRangeError):
        lifecycle.create_event(by_user=organiser, **event_fields)


@pytest.mark.parametrize("category", ["football", "", "RACE", None])
def test_unknown_category_is_refused(organiser, event_fields, category):
    event_fields["category"] = category
    with pytest.raises(UnknownCategoryError):
        lifecycle.create_event(by_user=organiser, **event_fields)


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=FOO",
        "FREQ=HOURLY",
        "FREQ=MINUTELY;COUNT=3",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;COUNT=x",
        "BYDAY=MO",
        "FOO=1",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20300101T000000Z",
        "FREQ=WEEKLY;UNTIL=20300101T000000",
        "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY",
        "FREQ=WEEKLY;;COUNT=2",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31",
    ],
)
def test_bad_rrule_is_refused(refused_rrule, rrule):
    refused_rrule(rrule)


def test_rrule_prefix_and_case_are_normalised(organiser, event_fields):
    event_fields["rrule"] = "RRULE:freq=weekly;count=4"
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert event.rrule == "FREQ=WEEKLY;COUNT=4"
    assert event.last_starts_at == event.starts_at + dt.timedelta(weeks=3)
    assert event.last_ends_at == event.ends_at + dt.timedelta(weeks=3)


def test_open_ended_series_has_no_last_occurrence(organiser, event_fields):
    event_fields["rrule"] = "FREQ=WEEKLY"
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert event.last_starts_at is None
    assert event.last_ends_at is None


def test_exdate_of_the_last_occurrence_moves_the_series_end(organiser, event_fields):
    start = event_fields["starts_at"]
    event_fields["rrule"] = "FREQ=WEEKLY;COUNT=3"
    event_fields["exdates"] = [(start + dt.timedelta(weeks=2)).isoformat()]
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    assert event.last_starts_at == start + dt.timedelta(weeks=1)
    assert event.exdate_datetimes == [start + dt.timedelta(weeks=2)]


@pytest.mark.parametrize(
    "exdates",
    [
        ["2026-05-02T10:00:00"],  # naive
        ["not a date"],
        "2026-05-02T10:00:00+08:00",  # not a list
        [12345],
    ],
)
def test_malformed_exdates_are_refused(organiser, event_fields, exdates):
    event_fields["rrule"] = "FREQ=WEEKLY;COUNT=3"
    event_fields["exdates"] = exdates
    with pytest.raises(InvalidExdatesError):
        lifecycle.create_event(by_user=organiser, **event_fields)


def test_exdate_that_is_not_an_occurrence_is_refused(organiser, event_fields):
    event_fields["rrule"] = "FREQ=WEEKLY;COUNT=3"
    event_fields["exdates"] = [(event_fields["starts_at"] + dt.timedelta(days=1)).isoformat()]
    with pytest.raises(InvalidExdatesError):
        lifecycle.create_event(by_user=organiser, **event_fields)


def test_exdates_without_a_rule_are_refused(organiser, event_fields):
    event_fields["exdates"] = [event_fields["starts_at"].isoformat()]
    with pytest.raises(InvalidExdatesError):
        lifecycle.create_event(by_user=organiser, **event_fields)


def test_exdates_removing_every_occurrence_are_refused(organiser, event_fields):
    event_fields["rrule"] = "FREQ=WEEKLY;COUNT=1"
    event_fields["exdates"] = [event_fields["starts_at"].isoformat()]
    with pytest.raises(InvalidExdatesError):
        lifecycle.create_event(by_user=organiser, **event_fields)


def test_event_needs_a_venue_or_a_location(organiser, event_fields):
    event_fields["location_zh"] = ""
    with pytest.raises(InvalidEventError) as excinfo:
        lifecycle.create_event(by_user=organiser, **event_fields)
    assert "location_zh" in excinfo.value.fields


def test_unknown_or_inactive_venue_is_refused(organiser, event_fields):
    inactive = VenueFactory(is_active=False)
    for venue_id in (inactive.pk, 987654):
        event_fields["venue_id"] = venue_id
        with pytest.raises(UnknownVenueError):
            lifecycle.create_event(by_user=organiser, **event_fields)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", 91),
        ("capacity", 0),
        ("capacity", "ten"),
        ("price", Decimal("-1")),
        ("image_url", "javascript:alert(1)"),
        ("links", [{"label": "x", "url": "ftp://example.com"}]),
        ("links", [{"label": "x", "url": "https://example.com", "extra": 1}]),
        ("title_zh", "   "),
        ("waitlist_enabled", "yes"),
    ],
)
def test_bad_field_values_are_refused_with_the_field_named(organiser, event_fields, field, value):
    event_fields[field] = value
    with pytest.raises(InvalidEventError) as excinfo:
        lifecycle.create_event(by_user=organiser, **event_fields)
    assert field in excinfo.value.fields


def test_non_member_cannot_create_for_an_organisation(other_organiser, event_fields):
    with pytest.raises(NotOrganiserError):
        lifecycle.create_event(by_user=other_organiser, **event_fields)


def test_unknown_organisation_is_refused(organiser, event_fields):
    event_fields["organisation_id"] = 99999
    with pytest.raises(UnknownOrganisationError):
        lifecycle.create_event(by_user=organiser, **event_fields)


# --- update_event ---------------------------------------------------------------------------


@pytest.fixture
def published(organiser, event_fields):  # type: ignore[no-untyped-def]
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    return lifecycle.publish_event(event_id=event.pk, by_user=organiser)


def test_editing_a_published_event_bumps_sequence_and_updated_at(organiser, published):
    before = published.updated_at
    event = lifecycle.update_event(
        event_id=published.pk,
        by_user=organiser,
        changes={"title_en": "Wutong Mountain Race 2026", "ends_at": published.ends_at},
    )
    assert event.sequence == published.sequence + 1
    assert event.updated_at > before
    assert event.title_en == "Wutong Mountain Race 2026"


def test_one_edit_of_several_fields_bumps_sequence_once(organiser, published):
    event = lifecycle.update_event(
        event_id=published.pk,
        by_user=organiser,
        changes={
            "title_zh": "梧桐山登高赛（新）",
            "starts_at": published.starts_at + dt.timedelta(hours=1),
            "ends_at": published.ends_at + dt.timedelta(hours=1),
        },
    )
    assert event.sequence == published.sequence + 1
    assert event.last_ends_at == published.ends_at + dt.timedelta(hours=1)


def test_saving_unchanged_values_does_not_bump_sequence(organiser, published):
    event = lifecycle.update_event(
        event_id=published.pk, by_user=organiser, changes={"title_zh": published.title_zh}
    )
    assert event.sequence == published.sequence


def test_registration_settings_do_not_bump_sequence(organiser, published):
    event = lifecycle.update_event(
        event_id=published.pk,
        by_user=organiser,
        changes={"capacity": 20, "price": Decimal("10.00"), "waitlist_enabled": False},
    )
    assert event.sequence == published.sequence
    assert event.capacity == 20


def test_editing_a_draft_does_not_bump_sequence(organiser, event_fields):
    draft = lifecycle.create_event(by_user=organiser, **event_fields)
    event = lifecycle.update_event(event_id=draft.pk, by_user=organiser, changes={"title_en": "X"})
    assert event.sequence == 0


def test_update_checks_the_merged_result(organiser, published):
    with pytest.raises(InvalidTimeRangeError):
        lifecycle.update_event(
            event_id=published.pk,
            by_user=organiser,
            changes={"ends_at": published.starts_at - dt.timedelta(minutes=1)},
        )


def test_update_refuses_unknown_and_read_only_fields(organiser, published):
    with pytest.raises(InvalidEventError) as excinfo:
        lifecycle.update_event(
            event_id=published.pk,
            by_user=organiser,
            changes={"status": "published", "registered_count": 0},
        )
    assert set(excinfo.value.fields) == {"status", "registered_count"}


def test_other_organisation_cannot_edit_a_published_event(other_organiser, published):
    with pytest.raises(NotOrganiserError):
        lifecycle.update_event(event_id=published.pk, by_user=other_organiser, changes={})


def test_other_organisation_cannot_even_find_a_draft(other_organiser, organiser, event_fields):
    draft = lifecycle.create_event(by_user=organiser, **event_fields)
    with pytest.raises(EventNotFoundError):
        lifecycle.update_event(event_id=draft.pk, by_user=other_organiser, changes={})


def test_cancelled_event_cannot_be_edited(organiser, published):
    lifecycle.cancel_event(event_id=published.pk, by_user=organiser)
    with pytest.raises(EventCancelledError):
        lifecycle.update_event(event_id=published.pk, by_user=organiser, changes={"title_en": "X"})


def test_moving_a_published_event_to_a_public_venue_needs_an_admin(organiser, published):
    venue = VenueFactory()
    with pytest.raises(ApprovalRequiredError):
        lifecycle.update_event(
            event_id=published.pk, by_user=organiser, changes={"venue_id": venue.pk}
        )


def test_capacity_cannot_drop_below_confirmed_places(organiser, published):
    for name in ("r1", "r2", "r3"):
        registrations.register(event_id=published.pk, resident=UserFactory(username=name))
    with pytest.raises(CapacityBelowRegistrationsError):
        lifecycle.update_event(event_id=published.pk, by_user=organiser, changes={"capacity": 2})


def test_raising_capacity_promotes_the_waiting_list_in_order(organiser, published):
    lifecycle.update_event(event_id=published.pk, by_user=organiser, changes={"capacity": 1})
    first = registrations.register(event_id=published.pk, resident=UserFactory(username="a"))
    waiting = [
        registrations.register(event_id=published.pk, resident=UserFactory(username=name))
        for name in ("b", "c", "d")
    ]
    assert first.position is None
    assert [w.position for w in waiting] == [1, 2, 3]

    lifecycle.update_event(event_id=published.pk, by_user=organiser, changes={"capacity": 3})

    statuses = [Registration.objects.get(pk=w.registration.pk).status for w in waiting]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    assert Event.objects.get(pk=published.pk).registered_count == 3


def test_demo_flag_follows_the_organisation(event_fields, next_week):
    user = UserFactory(username="demo-organiser")
    demo_org = OrganisationFactory(slug="demo-org", is_demo=True, members=[user])
    event_fields["organisation_id"] = demo_org.pk
    event = lifecycle.create_event(by_user=user, **event_fields)
    assert event.is_demo


def test_removing_the_rule_drops_its_exception_dates(organiser, event_fields):
    start = event_fields["starts_at"]
    event_fields["rrule"] = "FREQ=WEEKLY;COUNT=3"
    event_fields["exdates"] = [(start + dt.timedelta(weeks=1)).isoformat()]
    event = lifecycle.create_event(by_user=organiser, **event_fields)
    event = lifecycle.update_event(event_id=event.pk, by_user=organiser, changes={"rrule": ""})
    assert event.rrule == "" and event.exdates == []
    assert event.last_starts_at == start
