import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    CLOSED,
    FULL,
    PAST,
    WINDOW_NOT_OPEN,
    get_availability,
    list_slots,
)
from booking.models import Slot
from booking.slots import generate_slots
from common.errors import InvalidInputError
from tests.factories import (
    BookingPolicyFactory,
    OpeningRuleFactory,
    ResourceFactory,
    SlotFactory,
    VenueFactory,
)
from venues.exceptions import VenueNotFoundError

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2030, 1, 7)  # a Monday


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def slot(resource, start: dt.datetime, **kwargs):  # type: ignore[no-untyped-def]
    return SlotFactory(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=1), **kwargs
    )


@pytest.fixture
def noon_policy_venue(db):  # type: ignore[no-untyped-def]
    """A venue whose 7-day window is released at 12:00."""
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue, window_days=7, release_time=dt.time(12, 0))
    return venue


def reasons_of(result):  # type: ignore[no-untyped-def]
    return {s.id: s.reason for r in result.resources for s in r.slots}


def test_free_slot_in_the_open_window_is_bookable(court, venue):
    s = slot(court, at(DAY, 9))
    result = get_availability(venue_id=venue.pk, date=DAY, now=at(DAY, 8))
    (found,) = result.resources[0].slots
    assert found.id == s.pk
    assert found.bookable
    assert found.reason is None
    assert found.opens_at is None
    assert (found.remaining, found.capacity, found.price) == (1, 4, Decimal("0.00"))


def test_slot_beyond_the_window_says_when_it_opens(noon_policy_venue):
    court = ResourceFactory(venue=noon_policy_venue)
    s = slot(court, at(DAY, 19))
    # Released at 12:00 seven days before; at 11:59 that day it is not yet open.
    before = get_availability(
        venue_id=noon_policy_venue.pk, date=DAY, now=at(DAY - dt.timedelta(days=7), 11, 59)
    )
    (found,) = before.resources[0].slots
    assert found.reason == WINDOW_NOT_OPEN
    assert not found.bookable
    assert found.opens_at == at(DAY - dt.timedelta(days=7), 12)
    after = get_availability(
        venue_id=noon_policy_venue.pk, date=DAY, now=at(DAY - dt.timedelta(days=7), 12)
    )
    assert reasons_of(after) == {s.pk: None}


def test_booked_exclusive_slot_is_full(court, venue):
    s = slot(court, at(DAY, 9), remaining=0)
    result = get_availability(venue_id=venue.pk, date=DAY, now=at(DAY, 8))
    assert reasons_of(result) == {s.pk: FULL}
    assert result.resources[0].slots[0].remaining == 0


def test_shared_slot_with_places_left_is_bookable_and_counts_them(gym):
    s = slot(gym, at(DAY, 9), remaining=3)
    result = get_availability(venue_id=gym.venue_id, date=DAY, now=at(DAY, 8))
    assert reasons_of(result) == {s.pk: None}
    assert result.resources[0].slots[0].remaining == 3
    assert not result.resources[0].exclusive


def test_started_slot_is_past(court, venue):
    s = slot(court, at(DAY, 9))
    result = get_availability(venue_id=venue.pk, date=DAY, now=at(DAY, 9))
    assert reasons_of(result) == {s.pk: PAST}


def test_closed_slot_says_closed_before_anything_else(court, venue):
    s = slot(court, at(DAY, 9), remaining=0, is_closed=True, closed_reason="台风 Typhoon")
    result = get_availability(venue_id=venue.pk, date=DAY, now=at(DAY, 10))
    assert reasons_of(result) == {s.pk: CLOSED}
    assert result.resources[0].slots[0].closed_reason == "台风 Typhoon"


def test_days_are_shanghai_days(court, venue):
    late = slot(court, at(DAY, 23))
    slot(court, at(DAY + dt.timedelta(days=1), 0))  # next day
    slot(court, at(DAY - dt.timedelta(days=1), 23))  # day before
    result = get_availability(venue_id=venue.pk, date=DAY, now=at(DAY, 8))
    assert [s.id for s in result.resources[0].slots] == [late.pk]
    two = get_availability(venue_id=venue.pk, date=DAY, days=2, now=at(DAY, 8))
    assert len(two.resources[0].slots) == 2


def test_each_day_uses_its_own_release_moment(noon_policy_venue):
    court = ResourceFactory(venue=noon_policy_venue)
    now = at(DAY, 13)  # DAY+7 opened at 12:00 today, DAY+8 opens tomorrow
    first = slot(court, at(DAY + dt.timedelta(days=7), 9))
    second = slot(court, at(DAY + dt.timedelta(days=8), 9))
    result = get_availability(
        venue_id=noon_policy_venue.pk, date=DAY + dt.timedelta(days=7), days=2, now=now
    )
    assert reasons_of(result) == {first.pk: None, second.pk: WINDOW_NOT_OPEN}
    assert result.resources[0].slots[1].opens_at == at(DAY + dt.timedelta(days=1), 12)


def test_resources_come_in_their_order_with_their_slots(venue):
    second = ResourceFactory(venue=venue, sort_order=2, name_zh="二号场", name_en="Court 2")
    first = ResourceFactory(venue=venue, sort_order=1, name_zh="一号场", name_en="Court 1")
    hidden = ResourceFactory(venue=venue, is_active=False)
    for resource in (first, second, hidden):
        slot(resource, at(DAY, 9))
    result = get_availability(venue_id=venue.pk, date=DAY, now=at(DAY, 8))
    assert [r.id for r in result.resources] == [first.pk, second.pk]
    assert [r.name_zh for r in result.resources] == ["一号场", "二号场"]
    assert all(len(r.slots) == 1 for r in result.resources)


def test_resource_without_slots_is_listed_empty(court, venue):
    result = get_availability(venue_id=venue.pk, date=DAY, now=at(DAY, 8))
    assert [(r.id, r.slots) for r in result.resources] == [(court.pk, [])]


def test_venue_without_policy_uses_the_default_window(court):
    court.venue.policy.delete()
    s = slot(court, at(DAY + dt.timedelta(days=7), 9))
    result = get_availability(venue_id=court.venue_id, date=s.starts_at.date(), now=at(DAY, 11))
    assert reasons_of(result) == {s.pk: WINDOW_NOT_OPEN}
    assert result.resources[0].slots[0].opens_at == at(DAY, 12)


@pytest.mark.parametrize("venue_id", [999999, "abc", None, "1.5"])
def test_unknown_venue_is_not_found(venue_id):
    with pytest.raises(VenueNotFoundError):
        get_availability(venue_id=venue_id, date=DAY)


def test_inactive_venue_is_not_found(venue):
    venue.is_active = False
    venue.save()
    with pytest.raises(VenueNotFoundError):
        get_availability(venue_id=venue.pk, date=DAY)


@pytest.mark.parametrize("days", [0, 15])
def test_days_outside_one_to_fourteen_are_refused(venue, days):
    with pytest.raises(InvalidInputError):
        get_availability(venue_id=venue.pk, date=DAY, days=days)


def build_venue(resources: int) -> int:
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue)
    for _ in range(resources):
        resource = ResourceFactory(venue=venue)
        for weekday in range(7):
            OpeningRuleFactory(
                resource=resource, weekday=weekday, opens_at=dt.time(6), closes_at=dt.time(22)
            )
    generate_slots(start=DAY, days=7, now=at(DAY, 0))
    return venue.pk


@pytest.mark.parametrize("resources", [1, 20])
def test_availability_takes_three_queries_whatever_the_size(resources, django_assert_num_queries):
    venue_id = build_venue(resources)
    with django_assert_num_queries(3):
        result = get_availability(venue_id=venue_id, date=DAY, days=7, now=at(DAY, 0))
    assert sum(len(r.slots) for r in result.resources) == resources * 7 * 16


def test_loaded_venue_saves_the_policy_query(django_assert_num_queries):
    from venues.selectors import get_venue

    venue = get_venue(venue_id=build_venue(2))
    with django_assert_num_queries(2):
        result = get_availability(venue=venue, date=DAY, days=1, now=at(DAY, 0))
    assert len(result.resources) == 2


def test_list_slots_filters_by_venue_resource_date_and_availability(court, venue):
    other = ResourceFactory(venue=venue)
    free = slot(court, at(DAY, 9))
    full = slot(court, at(DAY, 10), remaining=0)
    closed = slot(court, at(DAY, 11), is_closed=True)
    other_slot = slot(other, at(DAY, 9))
    tomorrow = slot(court, at(DAY + dt.timedelta(days=1), 9))
    now = at(DAY, 8)

    def ids(**kwargs):  # type: ignore[no-untyped-def]
        return [s.pk for s in list_slots(now=now, **kwargs)]

    assert ids(venue_id=venue.pk, date=DAY) == [free.pk, other_slot.pk, full.pk, closed.pk]
    assert ids(resource_id=court.pk, date=DAY) == [free.pk, full.pk, closed.pk]
    assert ids(resource_id=court.pk, available=True) == [free.pk, tomorrow.pk]
    assert ids(resource_id=court.pk, date=DAY, available=False) == [full.pk, closed.pk]


def test_list_slots_without_date_hides_ended_slots(court):
    slot(court, at(DAY, 9))
    running = slot(court, at(DAY, 10))
    assert [s.pk for s in list_slots(now=at(DAY, 10, 30))] == [running.pk]
    assert Slot.objects.count() == 2
