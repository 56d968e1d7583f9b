"""One definition of a free slot (`Slot.objects.free`) and the reads built on it: the venue
search's `available_on` filter and the home page's free places per venue."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from booking.availability import get_free_places_by_venue, list_slots, list_venues_free_on
from booking.models import Slot
from booking.rules import day_bounds, local_date
from tests.factories import BookingPolicyFactory, ResourceFactory, SlotFactory, VenueFactory
from venues.models import Venue

pytestmark = pytest.mark.django_db


def test_available_on_ignores_started_closed_and_full_slots():
    venue = VenueFactory()
    court = ResourceFactory(venue=venue)
    now = timezone.now()
    today = local_date(now)
    # Started today, even a minute after midnight; tomorrow's slots are built from its midday,
    # so that none of them falls on the day after, whatever the hour.
    start = max(now - dt.timedelta(minutes=30), day_bounds(today)[0])
    SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    tomorrow = today + dt.timedelta(days=1)
    later = day_bounds(tomorrow)[0] + dt.timedelta(hours=12)
    SlotFactory(
        resource=court, starts_at=later, ends_at=later + dt.timedelta(hours=1), is_closed=True
    )
    SlotFactory(
        resource=court,
        starts_at=later + dt.timedelta(hours=1),
        ends_at=later + dt.timedelta(hours=2),
        remaining=0,
    )
    venues = Venue.objects.all()
    assert list(list_venues_free_on(venues=venues, day=today, now=now)) == []
    assert list(list_venues_free_on(venues=venues, day=tomorrow, now=now)) == []
    SlotFactory(
        resource=court,
        starts_at=later + dt.timedelta(hours=2),
        ends_at=later + dt.timedelta(hours=3),
    )
    assert list(list_venues_free_on(venues=venues, day=tomorrow, now=now)) == [venue]


def test_a_free_slot_is_open_has_places_has_not_started_and_its_resource_is_active():
    now = timezone.now()
    free = SlotFactory()
    SlotFactory(is_closed=True)
    SlotFactory(remaining=0)
    SlotFactory(resource=ResourceFactory(is_active=False))
    SlotFactory(starts_at=now, ends_at=now + dt.timedelta(hours=1))  # starts now: too late
    assert list(Slot.objects.free(now=now)) == [free]


def test_the_slot_list_splits_slots_by_the_same_free_rule():
    now = timezone.now()
    free = SlotFactory()
    venue = free.venue
    full = SlotFactory(
        resource=free.resource,
        starts_at=free.starts_at + dt.timedelta(hours=1),
        ends_at=free.starts_at + dt.timedelta(hours=2),
        remaining=0,
    )
    assert list(list_slots(venue_id=venue.pk, available=True, now=now)) == [free]
    assert list(list_slots(venue_id=venue.pk, available=False, now=now)) == [full]
    assert set(Slot.objects.free(now=now).filter(venue=venue)) == {free}


def test_free_places_count_only_open_windows_and_bookable_prices(settings):
    settings.STRIPE_ENABLED = False
    now = timezone.now()
    tomorrow = local_date(now) + dt.timedelta(days=1)
    gym = ResourceFactory(exclusive=False, capacity=30)
    SlotFactory(resource=gym)  # 30 free places
    paid = ResourceFactory(venue=gym.venue)
    SlotFactory(resource=paid, price=Decimal("20.00"))  # not bookable online without Stripe
    closed_window = BookingPolicyFactory(window_days=0).venue  # tomorrow not released yet
    SlotFactory(resource=ResourceFactory(venue=closed_window))
    venues = list(Venue.objects.filter(pk__in=[gym.venue_id, closed_window.pk]))
    assert get_free_places_by_venue(venues=venues, day=tomorrow, now=now) == {gym.venue_id: 30}
    settings.STRIPE_ENABLED = True
    assert get_free_places_by_venue(venues=venues, day=tomorrow, now=now) == {gym.venue_id: 31}
