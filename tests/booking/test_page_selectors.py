"""The reads behind the staff pages and the venue page (booking.selectors, checkin.selectors)."""

import datetime as dt

import pytest
from django.utils import timezone

from booking import rules
from booking.models import Booking
from booking.selectors import list_booked_slot_ids, list_usage_by_day, list_venue_bookings_between
from checkin.selectors import Occupancy, list_occupancy
from tests.factories import BookingFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def _day_of(slot):  # type: ignore[no-untyped-def]
    return rules.day_bounds(rules.local_date(slot.starts_at))


def test_staff_list_every_booking_of_the_day_residents_only_their_own(staff_user, court):
    slot = SlotFactory(resource=court)
    later = SlotFactory(
        resource=court,
        starts_at=slot.starts_at + dt.timedelta(hours=1),
        ends_at=slot.starts_at + dt.timedelta(hours=2),
    )
    first, second = BookingFactory(slot=later), BookingFactory(slot=slot)
    start, end = _day_of(slot)
    seen = list_venue_bookings_between(
        user=staff_user, venue_id=court.venue_id, start=start, end=end
    )
    assert list(seen) == [second, first]  # start order
    mine = list_venue_bookings_between(
        user=first.resident, venue_id=court.venue_id, start=start, end=end
    )
    assert list(mine) == [first]


def test_booked_slot_ids_are_the_residents_active_bookings_at_the_venue(court):
    resident = UserFactory()
    kept = BookingFactory(resident=resident, slot=SlotFactory(resource=court))
    cancelled_slot = SlotFactory(
        resource=court,
        starts_at=kept.starts_at + dt.timedelta(hours=1),
        ends_at=kept.starts_at + dt.timedelta(hours=2),
    )
    BookingFactory(resident=resident, slot=cancelled_slot, status=Booking.Status.CANCELLED)
    BookingFactory(slot=cancelled_slot)  # somebody else's
    start, end = _day_of(kept.slot)
    ids = list_booked_slot_ids(user=resident, venue_id=court.venue_id, start=start, end=end)
    assert ids == frozenset({kept.slot_id})


def test_usage_counts_slots_places_and_what_became_of_the_bookings(court):
    slot = SlotFactory(resource=court)
    other = SlotFactory(
        resource=court,
        starts_at=slot.starts_at + dt.timedelta(hours=1),
        ends_at=slot.starts_at + dt.timedelta(hours=2),
        remaining=0,
    )
    BookingFactory(slot=other, party_size=3)
    BookingFactory(slot=slot, status=Booking.Status.CANCELLED, late_cancellation=True)
    start, end = _day_of(slot)
    [row] = list_usage_by_day(venue_id=court.venue_id, start=start, end=end)
    assert row.day == rules.local_date(slot.starts_at)
    assert (row.resource, row.slots, row.places, row.free) == (court.name_zh, 2, 2, 1)
    assert (row.bookings, row.people, row.cancelled, row.late_cancellations) == (1, 3, 1, 1)
    assert (row.checked_in, row.no_shows) == (0, 0)


def test_occupancy_counts_checked_in_people_against_the_running_slots(gym):
    now = timezone.now()
    running = SlotFactory(
        resource=gym,
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=30),
    )
    BookingFactory(slot=running, party_size=2, status=Booking.Status.CHECKED_IN)
    BookingFactory(slot=running, party_size=5)  # booked, not in yet
    venue_id = gym.venue_id
    assert list_occupancy(venue_ids=[venue_id], now=now) == {
        venue_id: Occupancy(present=2, capacity=20)
    }
    assert list_occupancy(venue_ids=[venue_id], now=now + dt.timedelta(hours=2)) == {}
