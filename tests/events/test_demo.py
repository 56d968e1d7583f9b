import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from events import demo, registrations
from events.models import Event, Organisation
from tests.factories import SportFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_demo_events_are_published_upcoming_and_open_for_registration():
    out = io.StringIO()
    demo.load(stdout=out)

    events = list(Event.objects.filter(is_demo=True))
    assert len(events) == len(demo.EVENTS) == 11
    assert {e.category for e in events} == {
        "race",
        "tennis",
        "dance",
        "mind_sports",
        "esports",
        "fitness",
        "culture",
    }
    assert sum(e.category == "mind_sports" for e in events) == 5
    now = timezone.now()
    assert all(e.status == Event.Status.PUBLISHED and e.starts_at > now for e in events)
    assert "11 demo event(s) created" in out.getvalue()

    race = Event.objects.get(title_zh="梧桐山登高赛")
    assert race.venue is None
    assert (float(race.latitude), float(race.longitude)) == (22.58, 114.2)
    esports = Event.objects.get(category="esports")
    assert esports.rrule.startswith("FREQ=WEEKLY") and len(esports.exdates) == 1
    assert esports.last_starts_at == esports.starts_at + dt.timedelta(weeks=7)
    assert Event.objects.get(category="fitness").is_recurring

    resident = UserFactory(username="demo-resident")
    result = registrations.register(event_id=race.pk, resident=resident)
    assert result.registration.status == "confirmed"


def test_demo_organiser_can_log_in_and_manages_the_demo_organisations():
    demo.load(stdout=io.StringIO())
    user = authenticate(HttpRequest(), username="organiser", password="organiser12345")
    assert user is not None
    assert set(user.organisations.values_list("is_demo", flat=True)) == {True}
    assert Organisation.objects.filter(is_demo=True, is_approved=True).count() == 2


def test_loading_twice_changes_nothing():
    demo.load(stdout=io.StringIO())
    before = list(Event.objects.values_list("pk", "starts_at", "sequence"))
    out = io.StringIO()
    demo.load(stdout=out)
    assert list(Event.objects.values_list("pk", "starts_at", "sequence")) == before
    assert "0 demo event(s) created, 0 moved" in out.getvalue()


def test_events_that_are_over_move_to_new_dates_on_the_next_load():
    demo.load(stdout=io.StringIO())
    race = Event.objects.get(title_zh="梧桐山登高赛")
    past = timezone.now() - dt.timedelta(days=3)
    Event.objects.filter(pk=race.pk).update(
        starts_at=past,
        ends_at=past + dt.timedelta(hours=5),
        last_starts_at=past,
        last_ends_at=past + dt.timedelta(hours=5),
    )
    demo.load(stdout=io.StringIO())
    race.refresh_from_db()
    assert race.starts_at > timezone.now()
    assert race.sequence == 1


def test_tennis_tour_uses_the_demo_tennis_venue_when_there_is_one():
    tennis = SportFactory(code="tennis", name_zh="网球", name_en="Tennis")
    venue = VenueFactory(slug="luohu-tennis-centre")
    venue.sports.add(tennis)
    demo.load(stdout=io.StringIO())
    tour = Event.objects.get(category="tennis")
    assert tour.venue == venue
    assert tour.status == Event.Status.PUBLISHED
