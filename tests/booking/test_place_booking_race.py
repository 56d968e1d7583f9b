"""place_booking under a real rush: many threads, each with its own PostgreSQL connection."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.utils import timezone

from booking import services
from booking.exceptions import (
    AlreadyBookedError,
    QuotaExceededError,
    SlotFullError,
    SlotTakenError,
)
from booking.models import Booking, Slot
from tests.concurrency.helpers import kinds, race
from tests.factories import ResourceFactory, SlotFactory, UserFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def residents(count: int, prefix: str) -> list:  # type: ignore[type-arg]
    return [UserFactory(username=f"{prefix}{n}") for n in range(count)]


def booker(resident, slot_id: int, **kwargs):  # type: ignore[no-untyped-def]
    return lambda: services.place_booking(resident=resident, slot_id=slot_id, **kwargs)


def test_fifty_residents_racing_for_one_court_slot_leave_exactly_one_winner(court):
    slot = SlotFactory(resource=court)
    outcomes = race([booker(r, slot.pk) for r in residents(50, "court")])
    assert kinds(outcomes) == {"BookingResult": 1, "SlotTakenError": 49}
    assert all(isinstance(o, services.BookingResult | SlotTakenError) for o in outcomes)
    slot.refresh_from_db()
    assert slot.remaining == 0
    assert Booking.objects.active().filter(slot=slot).count() == 1


def test_hundred_attempts_on_a_twenty_place_gym_slot_sell_exactly_twenty(gym):
    slot = SlotFactory(resource=gym)  # 20 places
    outcomes = race([booker(r, slot.pk) for r in residents(100, "gym")], workers=60)
    assert kinds(outcomes) == {"BookingResult": 20, "SlotFullError": 80}
    slot.refresh_from_db()
    assert slot.remaining == 0
    assert Booking.objects.active().filter(slot=slot).count() == 20


def test_parties_racing_for_a_shared_slot_never_oversell_it(gym):
    slot = SlotFactory(resource=gym)  # 20 places
    tasks = [booker(r, slot.pk, party_size=3) for r in residents(40, "party")]
    outcomes = race(tasks, workers=40)
    assert kinds(outcomes) == {"BookingResult": 6, "SlotFullError": 34}
    slot.refresh_from_db()
    assert slot.remaining == 2  # 20 - 6 * 3; never negative
    sold = Booking.objects.active().filter(slot=slot).aggregate(places=Sum("places"))["places"]
    assert sold == 18


@pytest.mark.parametrize(("resource", "left"), [("court", 0), ("gym", 19)])
def test_double_tap_with_one_idempotency_key_makes_one_booking(request, resident, resource, left):
    slot = SlotFactory(resource=request.getfixturevalue(resource))
    outcomes = race([booker(resident, slot.pk, idempotency_key="tap-42") for _ in range(10)])
    assert kinds(outcomes) == {"BookingResult": 10}
    assert sum(o.created for o in outcomes) == 1
    assert len({o.booking.pk for o in outcomes}) == 1
    assert Booking.objects.count() == 1
    slot.refresh_from_db()
    assert slot.remaining == left


def test_double_tap_without_a_key_makes_one_booking_and_says_already_booked(resident, gym):
    slot = SlotFactory(resource=gym)
    outcomes = race([booker(resident, slot.pk) for _ in range(10)])
    assert kinds(outcomes) == {"BookingResult": 1, "AlreadyBookedError": 9}
    assert all(isinstance(o, services.BookingResult | AlreadyBookedError) for o in outcomes)
    slot.refresh_from_db()
    assert slot.remaining == 19


def test_one_resident_racing_for_eight_slots_of_a_day_gets_only_the_daily_limit(resident, venue):
    # The venue's policy: at most 2 bookings and 2 hours per resident per day.
    day = timezone.localdate() + dt.timedelta(days=2)
    slots = [
        SlotFactory(
            resource=ResourceFactory(venue=venue),
            starts_at=dt.datetime.combine(day, dt.time(8 + n), tzinfo=SHANGHAI),
            ends_at=dt.datetime.combine(day, dt.time(9 + n), tzinfo=SHANGHAI),
        )
        for n in range(8)
    ]
    outcomes = race([booker(resident, s.pk) for s in slots])
    assert kinds(outcomes) == {"BookingResult": 2, "QuotaExceededError": 6}
    assert all(isinstance(o, services.BookingResult | QuotaExceededError) for o in outcomes)
    assert Booking.objects.active().filter(resident=resident).count() == 2
    # The refused attempts gave their places back.
    assert Slot.objects.filter(remaining=1).count() == 6


def test_cancellations_racing_new_bookings_keep_the_count_of_places_exact(gym):
    slot = SlotFactory(resource=gym)  # 20 places
    holders = residents(20, "holder")
    bookings = [services.place_booking(resident=r, slot_id=slot.pk).booking for r in holders]
    newcomers = residents(30, "newcomer")
    tasks = [
        *(
            (lambda b=b: services.cancel_booking(booking_id=b.pk, by_user=b.resident))
            for b in bookings
        ),
        *(booker(r, slot.pk) for r in newcomers),
    ]
    outcomes = race(tasks)
    assert not [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, SlotFullError)
    ]
    slot.refresh_from_db()
    active = Booking.objects.active().filter(slot=slot).count()
    assert 0 <= slot.remaining == 20 - active
    assert active == sum(isinstance(o, services.BookingResult) for o in outcomes)


def test_racing_for_taken_slot_never_raises_anything_but_taken(court):
    slot = SlotFactory(resource=court)
    services.place_booking(resident=UserFactory(username="early-bird"), slot_id=slot.pk)
    outcomes = race([booker(r, slot.pk) for r in residents(30, "late")])
    assert kinds(outcomes) == {"SlotTakenError": 30}
    assert not any(isinstance(o, SlotFullError) for o in outcomes)
