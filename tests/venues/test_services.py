import datetime as dt
from decimal import Decimal

import pytest

from booking.models import Slot
from booking.slots import generate_slots
from tests.factories import ResourceFactory, UserFactory, VenueFactory
from venues import services
from venues.models import BookingPolicy, Closure, OpeningRule
from venues.services import RuleSpec

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 1, 7)


def test_upsert_venue_creates_then_updates_by_slug():
    sport = services.upsert_sport(code="tennis", name_zh="网球", name_en="Tennis")
    first = services.upsert_venue(
        slug="x",
        fields={"name_zh": "甲", "kind": "court_venue"},
        sports=[sport],
        policy={"window_days": 5},
    )
    again = services.upsert_venue(
        slug="x",
        fields={"name_zh": "乙", "kind": "court_venue"},
        sports=[],
        policy={"window_days": 6},
    )
    assert first.pk == again.pk
    again.refresh_from_db()
    assert again.name_zh == "乙"
    assert list(again.sports.all()) == []
    assert BookingPolicy.objects.get(venue=again).window_days == 6


def test_set_opening_rules_keeps_unchanged_ids_and_drops_unlisted_rules():
    resource = ResourceFactory()
    keep = RuleSpec(0, dt.time(8), dt.time(10))
    drop = RuleSpec(1, dt.time(8), dt.time(10))
    services.set_opening_rules(resource=resource, rules=[keep, drop])
    kept_id = OpeningRule.objects.get(weekday=0).pk
    services.set_opening_rules(
        resource=resource, rules=[RuleSpec(0, dt.time(8), dt.time(11), price=Decimal("5.00"))]
    )
    rule = OpeningRule.objects.get()
    assert (rule.pk, rule.closes_at, rule.price) == (kept_id, dt.time(11), Decimal("5.00"))


def test_changed_rules_reach_slots_at_the_next_generation():
    resource = ResourceFactory()
    services.set_opening_rules(resource=resource, rules=[RuleSpec(0, dt.time(8), dt.time(10))])
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    generate_slots(start=MONDAY, days=1, now=now)
    services.set_opening_rules(
        resource=resource, rules=[RuleSpec(0, dt.time(8), dt.time(10), price=Decimal("20.00"))]
    )
    generate_slots(start=MONDAY, days=1, now=now)
    assert set(Slot.objects.values_list("price", flat=True)) == {Decimal("20.00")}


def test_add_closure_and_staff_are_idempotent():
    venue = VenueFactory()
    user = UserFactory()
    for _ in range(2):
        services.add_closure(venue=venue, start_date=MONDAY, end_date=MONDAY, reason="维护")
        services.add_venue_staff(venue=venue, user=user)
    assert Closure.objects.count() == 1
    assert list(venue.staff.all()) == [user]
