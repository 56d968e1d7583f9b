import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from events import registrations, selectors
from events.exceptions import (
    EventNotFoundError,
    NotOrganiserError,
    UnknownCategoryError,
    UnknownStatusError,
)
from events.models import Event
from tests.factories import EventFactory, RegistrationFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()


@pytest.fixture
def events_of_every_status(organisation):  # type: ignore[no-untyped-def]
    statuses = ["draft", "pending_approval", "published", "postponed", "cancelled"]
    made = {s: EventFactory(organisation=organisation, status=s) for s in statuses}
    Event.objects.filter(pk__in=[made["draft"].pk, made["pending_approval"].pk]).update(
        published_at=None
    )
    withdrawn = EventFactory(organisation=organisation, status="cancelled", published_at=None)
    return made | {"withdrawn": withdrawn}


def _ids(events) -> set[int]:  # type: ignore[no-untyped-def]
    return {e.pk for e in events}


def test_residents_see_published_postponed_and_cancelled_events_only(
    events_of_every_status, resident
):
    expected = {events_of_every_status[s].pk for s in ("published", "postponed", "cancelled")}
    assert _ids(selectors.list_events(viewer=ANONYMOUS)) == expected
    assert _ids(selectors.list_events(viewer=resident)) == expected


def test_drafts_never_leak_to_non_members_even_when_asked_for(
    events_of_every_status, resident, other_organiser, admin_user
):
    draft = events_of_every_status["draft"]
    for viewer in (ANONYMOUS, resident, other_organiser, admin_user):
        assert not selectors.list_events(viewer=viewer, status="draft").exists()
        with pytest.raises(EventNotFoundError):
            selectors.get_event(event_id=draft.pk, viewer=viewer)
    with pytest.raises(EventNotFoundError):
        selectors.get_event(event_id=events_of_every_status["withdrawn"].pk, viewer=resident)


def test_members_see_all_their_organisations_events(events_of_every_status, organiser):
    assert _ids(selectors.list_events(viewer=organiser)) == _ids(events_of_every_status.values())


def test_admins_see_events_awaiting_approval(events_of_every_status, admin_user):
    pending = events_of_every_status["pending_approval"]
    listed = selectors.list_events(viewer=admin_user, status="pending_approval")
    assert _ids(listed) == {pending.pk}


def test_public_list_has_no_duplicates_for_organisations_with_many_members(organisation, resident):
    organisation.members.add(*[UserFactory(username=f"m{i}") for i in range(3)])
    EventFactory(organisation=organisation)
    assert selectors.list_events(viewer=resident).count() == 1
    assert selectors.list_events(viewer=organisation.members.first()).count() == 1


def test_filters_by_category_venue_and_text():
    venue = VenueFactory()
    race = EventFactory(category="race", title_zh="梧桐山登高赛")
    tennis = EventFactory(
        category="tennis", venue=venue, title_zh="中国网球巡回赛", title_en="China Tennis Tour"
    )
    assert _ids(selectors.list_events(viewer=ANONYMOUS, category="race")) == {race.pk}
    assert _ids(selectors.list_events(viewer=ANONYMOUS, venue=venue.pk)) == {tennis.pk}
    assert _ids(selectors.list_events(viewer=ANONYMOUS, q="网球")) == {tennis.pk}
    assert _ids(selectors.list_events(viewer=ANONYMOUS, q="tennis tour")) == {tennis.pk}


def test_starts_after_keeps_series_still_running():
    now = timezone.now()
    past = EventFactory(starts_at=now - dt.timedelta(days=10), ends_at=now - dt.timedelta(days=9))
    start = now - dt.timedelta(days=30)
    running = EventFactory(
        starts_at=start, ends_at=start + dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=10"
    )
    open_ended = EventFactory(
        starts_at=start, ends_at=start + dt.timedelta(hours=1), rrule="FREQ=WEEKLY"
    )
    ended = EventFactory(
        starts_at=start, ends_at=start + dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=2"
    )
    upcoming = EventFactory()
    listed = _ids(selectors.list_events(viewer=ANONYMOUS, starts_after=now))
    assert listed == {running.pk, open_ended.pk, upcoming.pk}
    assert past.pk not in listed and ended.pk not in listed


def test_starts_before_uses_the_first_occurrence():
    now = timezone.now()
    soon = EventFactory(starts_at=now + dt.timedelta(days=1), ends_at=now + dt.timedelta(days=2))
    EventFactory(starts_at=now + dt.timedelta(days=30), ends_at=now + dt.timedelta(days=31))
    listed = selectors.list_events(viewer=ANONYMOUS, starts_before=now + dt.timedelta(days=3))
    assert _ids(listed) == {soon.pk}


def test_unknown_category_or_status_is_an_error_not_an_empty_list():
    with pytest.raises(UnknownCategoryError):
        list(selectors.list_events(viewer=ANONYMOUS, category="football"))
    with pytest.raises(UnknownStatusError):
        list(selectors.list_events(viewer=ANONYMOUS, status="archived"))


def test_list_events_carries_the_viewers_registration_without_extra_queries(
    resident, django_assert_num_queries
):
    events = [EventFactory() for _ in range(5)]
    RegistrationFactory(event=events[0], resident=resident)
    RegistrationFactory(event=events[1], resident=resident, status="waitlisted")
    with django_assert_num_queries(2):  # events with organisation and venue, then registrations
        listed = list(selectors.list_events(viewer=resident))
        mine = {e.pk: e.viewer_registrations for e in listed}
        names = [(e.organisation.name, e.venue) for e in listed]
    assert len(names) == 5
    assert mine[events[0].pk][0].status == "confirmed"
    assert mine[events[1].pk][0].position == 1
    assert mine[events[2].pk] == []


def test_registrations_are_listed_for_organisers_confirmed_then_waiting(organiser, organisation):
    event = EventFactory(organisation=organisation, capacity=1)
    users = [UserFactory(username=f"u{i}") for i in range(3)]
    for user in users:
        registrations.register(event_id=event.pk, resident=user)
    rows = list(selectors.list_registrations(event_id=event.pk, viewer=organiser))
    assert [(r.resident.username, r.status, r.position) for r in rows] == [
        ("u0", "confirmed", None),
        ("u1", "waitlisted", 1),
        ("u2", "waitlisted", 2),
    ]


def test_registrations_are_hidden_from_residents_and_other_organisers(
    organisation, resident, other_organiser
):
    event = EventFactory(organisation=organisation)
    for viewer in (resident, other_organiser):
        with pytest.raises(NotOrganiserError):
            selectors.list_registrations(event_id=event.pk, viewer=viewer)
    draft = EventFactory(organisation=organisation, status="draft", published_at=None)
    with pytest.raises(EventNotFoundError):
        selectors.list_registrations(event_id=draft.pk, viewer=resident)


# --- feed inputs ----------------------------------------------------------------------------


def _window() -> tuple[dt.datetime, dt.datetime]:
    now = timezone.now()
    return now - dt.timedelta(days=30), now + dt.timedelta(days=365)


def test_public_feed_lists_public_events_in_the_window(organisation):
    start, end = _window()
    now = timezone.now()
    published = EventFactory(organisation=organisation)
    EventFactory(organisation=organisation, status="draft", published_at=None)
    EventFactory(organisation=organisation, status="pending_approval", published_at=None)
    far = now + dt.timedelta(days=400)
    EventFactory(starts_at=far, ends_at=far + dt.timedelta(hours=1))
    old = now - dt.timedelta(days=60)
    EventFactory(starts_at=old, ends_at=old + dt.timedelta(hours=1))
    series = EventFactory(starts_at=old, ends_at=old + dt.timedelta(hours=1), rrule="FREQ=DAILY")
    listed = selectors.list_public_events_for_feed(window_start=start, window_end=end)
    assert _ids(listed) == {published.pk, series.pk}


def test_public_feed_keeps_cancelled_events_for_30_days():
    start, end = _window()
    recent = EventFactory(status="cancelled")
    stale = EventFactory(status="cancelled")
    Event.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - dt.timedelta(days=31))
    listed = selectors.list_public_events_for_feed(window_start=start, window_end=end)
    assert _ids(listed) == {recent.pk}


def test_public_feed_filters_by_category_and_venue_without_n_plus_one(django_assert_num_queries):
    start, end = _window()
    venue = VenueFactory()
    for _ in range(3):
        EventFactory(category="tennis", venue=venue)
    EventFactory(category="race")
    with django_assert_num_queries(1):
        rows = list(
            selectors.list_public_events_for_feed(
                category="tennis", venue_id=venue.pk, window_start=start, window_end=end
            )
        )
        labels = [(e.organisation.name, e.venue.name) for e in rows]
    assert len(labels) == 3


def test_public_feed_refuses_an_unknown_category():
    start, end = _window()
    with pytest.raises(UnknownCategoryError):
        selectors.list_public_events_for_feed(category="golf", window_start=start, window_end=end)
