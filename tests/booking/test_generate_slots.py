import datetime as dt
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from booking.models import Booking, Slot
from booking.slots import NOT_OFFERED_REASON, generate_slots
from common.errors import InvalidInputError
from tests.factories import (
    BookingFactory,
    ClosureFactory,
    OpeningRuleFactory,
    ResourceFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2030, 1, 7)
BEFORE = dt.datetime(2030, 1, 1, 9, 0, tzinfo=SHANGHAI)  # "now" for most tests


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def run(**kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("start", MONDAY)
    kwargs.setdefault("days", 7)
    kwargs.setdefault("now", BEFORE)
    return generate_slots(**kwargs)


@pytest.fixture
def rule(court):  # type: ignore[no-untyped-def]
    return OpeningRuleFactory(resource=court, weekday=0, price=Decimal("40.00"))


def test_rule_makes_hourly_slots_in_shanghai_time_on_its_weekday(rule, court):
    summary = run()
    slots = list(Slot.objects.filter(resource=court).order_by("starts_at"))
    assert summary.created == 4
    assert [s.starts_at for s in slots] == [at(MONDAY, h) for h in (8, 9, 10, 11)]
    assert slots[0].starts_at == dt.datetime(2030, 1, 7, 0, 0, tzinfo=dt.UTC)
    assert all(s.ends_at - s.starts_at == dt.timedelta(hours=1) for s in slots)
    assert all(s.rule_id == rule.pk and s.venue_id == court.venue_id for s in slots)
    assert all(s.price == Decimal("40.00") and not s.is_closed for s in slots)


def test_running_twice_creates_nothing_twice(rule, court):
    first = run()
    second = run()
    assert first.created == 4
    assert second.created == 0
    assert second.unchanged == 4
    assert Slot.objects.count() == 4


def test_overlapping_windows_only_add_the_new_days(court):
    for weekday in range(7):
        OpeningRuleFactory(resource=court, weekday=weekday)
    run(days=3)
    summary = run(start=MONDAY + dt.timedelta(days=1), days=3)
    assert summary.created == 4  # only the fourth day is new
    assert summary.unchanged == 8
    assert Slot.objects.count() == 16


def test_exclusive_resource_sells_one_place_of_rule_capacity(venue):
    court = ResourceFactory(venue=venue, exclusive=True, capacity=4)
    OpeningRuleFactory(resource=court, weekday=0, capacity=6)
    run()
    slot = Slot.objects.filter(resource=court).first()
    assert (slot.capacity, slot.places, slot.remaining) == (6, 1, 1)


def test_shared_resource_sells_its_capacity_as_places(gym):
    OpeningRuleFactory(resource=gym, weekday=0, public_benefit=True)
    run()
    slot = Slot.objects.filter(resource=gym).first()
    assert (slot.capacity, slot.places, slot.remaining) == (20, 20, 20)
    assert slot.public_benefit


def test_trailing_partial_slot_is_not_made(court):
    OpeningRuleFactory(resource=court, weekday=0, closes_at=dt.time(10, 30), slot_minutes=90)
    run()
    starts = list(Slot.objects.values_list("starts_at", flat=True))
    assert starts == [at(MONDAY, 8)]


def test_rule_validity_dates_are_respected(court):
    OpeningRuleFactory(resource=court, weekday=0, valid_from=MONDAY + dt.timedelta(days=7))
    OpeningRuleFactory(resource=court, weekday=1, valid_until=MONDAY)
    run(days=14)
    days = {s.starts_at.astimezone(SHANGHAI).date() for s in Slot.objects.all()}
    assert days == {MONDAY + dt.timedelta(days=7)}


def test_slots_that_already_started_are_neither_made_nor_changed(rule, court):
    now = at(MONDAY, 9, 30)
    summary = run(now=now)
    assert summary.created == 2  # 10:00 and 11:00
    Slot.objects.create(
        resource=court,
        venue=court.venue,
        starts_at=at(MONDAY, 8),
        ends_at=at(MONDAY, 9),
        capacity=4,
        places=1,
        remaining=1,
        price=Decimal("1.00"),
    )
    rule.price = Decimal("99.00")
    rule.save()
    run(now=now)
    assert Slot.objects.get(starts_at=at(MONDAY, 8)).price == Decimal("1.00")


def test_venue_wide_closure_closes_every_resource_on_those_days(venue, court):
    other = ResourceFactory(venue=venue)
    for resource in (court, other):
        OpeningRuleFactory(resource=resource, weekday=0)
        OpeningRuleFactory(resource=resource, weekday=1)
    ClosureFactory(venue=venue, start_date=MONDAY, end_date=MONDAY, reason="台风 Typhoon")
    summary = run()
    closed = Slot.objects.filter(is_closed=True)
    assert summary.created == 16
    assert closed.count() == 8
    assert {s.starts_at.astimezone(SHANGHAI).date() for s in closed} == {MONDAY}
    assert set(closed.values_list("closed_reason", flat=True)) == {"台风 Typhoon"}


def test_resource_closure_closes_only_that_resource(venue, court):
    other = ResourceFactory(venue=venue)
    OpeningRuleFactory(resource=court, weekday=0)
    OpeningRuleFactory(resource=other, weekday=0)
    run()
    ClosureFactory(venue=venue, resource=court, start_date=MONDAY, end_date=MONDAY)
    summary = run()
    assert summary.closed == 4
    assert summary.unchanged == 4
    assert set(Slot.objects.filter(is_closed=True).values_list("resource_id", flat=True)) == {
        court.pk
    }


def test_closure_closes_a_booked_slot_but_keeps_its_booking(rule, court, venue):
    run()
    slot = Slot.objects.get(starts_at=at(MONDAY, 9))
    booking = BookingFactory(slot=slot)
    Slot.objects.filter(pk=slot.pk).update(remaining=0)
    ClosureFactory(venue=venue, start_date=MONDAY, end_date=MONDAY)
    run()
    slot.refresh_from_db()
    booking.refresh_from_db()
    assert slot.is_closed
    assert slot.remaining == 0
    assert booking.status == Booking.Status.CONFIRMED


def test_lifting_a_closure_reopens_slots_and_keeps_bookings(venue, gym):
    OpeningRuleFactory(resource=gym, weekday=0)
    closure = ClosureFactory(venue=gym.venue, start_date=MONDAY, end_date=MONDAY)
    run()
    slot = Slot.objects.get(starts_at=at(MONDAY, 9))
    BookingFactory(slot=slot, places=3, party_size=3)
    Slot.objects.filter(pk=slot.pk).update(remaining=17)
    closure.delete()
    summary = run()
    assert summary.reopened == 4
    assert not Slot.objects.filter(is_closed=True).exists()
    slot.refresh_from_db()
    assert (slot.remaining, slot.closed_reason) == (17, "")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_changed_rule_updates_unbooked_slots_only(rule, gym):
    shared_rule = OpeningRuleFactory(resource=gym, weekday=0, price=Decimal("10.00"))
    run()
    booked = Slot.objects.get(resource=gym, starts_at=at(MONDAY, 9))
    BookingFactory(slot=booked, places=2, party_size=2)
    Slot.objects.filter(pk=booked.pk).update(remaining=18)
    shared_rule.price = Decimal("15.00")
    shared_rule.capacity = 30
    shared_rule.save()

    summary = run()

    assert summary.updated == 3
    assert summary.kept_booked == 1
    booked.refresh_from_db()
    assert (booked.price, booked.capacity, booked.places, booked.remaining) == (
        Decimal("10.00"),
        20,
        20,
        18,
    )
    for slot in Slot.objects.filter(resource=gym).exclude(pk=booked.pk):
        assert (slot.price, slot.capacity, slot.places, slot.remaining) == (
            Decimal("15.00"),
            30,
            30,
            30,
        )


def test_slot_whose_only_booking_was_cancelled_follows_the_rule(rule, court):
    run()
    slot = Slot.objects.get(starts_at=at(MONDAY, 9))
    BookingFactory(slot=slot, status=Booking.Status.CANCELLED)
    rule.price = Decimal("50.00")
    rule.save()
    run()
    slot.refresh_from_db()
    assert (slot.price, slot.remaining) == (Decimal("50.00"), 1)


def test_removed_rule_closes_unbooked_slots_and_leaves_booked_ones(rule, court):
    run()
    booked = Slot.objects.get(starts_at=at(MONDAY, 10))
    BookingFactory(slot=booked)
    Slot.objects.filter(pk=booked.pk).update(remaining=0)
    rule.delete()

    summary = run()

    assert summary.closed == 3
    assert summary.kept_booked == 1
    assert Slot.objects.count() == 4  # closed, never deleted
    booked.refresh_from_db()
    assert not booked.is_closed
    assert set(Slot.objects.filter(is_closed=True).values_list("closed_reason", flat=True)) == {
        NOT_OFFERED_REASON
    }


def test_restored_rule_reopens_the_slots_it_closed(rule, court):
    run()
    rule.delete()
    run()
    OpeningRuleFactory(resource=court, weekday=0)
    summary = run()
    assert summary.reopened == 4
    assert not Slot.objects.filter(is_closed=True).exists()


def test_new_slot_length_does_not_overlap_a_booked_slot(rule, court):
    run()
    booked = Slot.objects.get(starts_at=at(MONDAY, 9))
    BookingFactory(slot=booked)
    Slot.objects.filter(pk=booked.pk).update(remaining=0)
    rule.slot_minutes = 90  # 08:00-09:30, 09:30-11:00
    rule.save()

    summary = run()

    assert summary.skipped_overlap == 2
    open_slots = Slot.objects.filter(resource=court, is_closed=False).order_by("starts_at")
    assert [(s.starts_at, s.ends_at) for s in open_slots] == [(at(MONDAY, 9), at(MONDAY, 10))]
    assert Slot.objects.filter(remaining=0).get() == booked


def test_inactive_resource_slots_are_closed(rule, court):
    run()
    court.is_active = False
    court.save()
    summary = run()
    assert summary.closed == 4
    assert not Slot.objects.filter(is_closed=False).exists()


def test_venue_option_limits_the_run_to_one_venue(rule, court):
    other = ResourceFactory(venue=VenueFactory())
    OpeningRuleFactory(resource=other, weekday=0)
    summary = run(venue=other.venue)
    assert summary.created == 4
    assert set(Slot.objects.values_list("venue_id", flat=True)) == {other.venue_id}


@pytest.mark.parametrize("days", [0, -1, 367])
def test_days_outside_the_allowed_range_are_refused(days):
    with pytest.raises(InvalidInputError):
        generate_slots(start=MONDAY, days=days)


def test_command_prints_what_it_did(rule, court):
    out = StringIO()
    call_command("generate_slots", "--days", "7", "--start", MONDAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "created         4" in text
    assert "2030-01-07 to 2030-01-13" in text
    assert Slot.objects.count() == 4


def test_command_for_one_venue(rule, court):
    out = StringIO()
    call_command(
        "generate_slots",
        f"--venue={court.venue_id}",
        "--days=7",
        f"--start={MONDAY}",
        stdout=out,
    )
    assert f"venue {court.venue_id}" in out.getvalue()
    assert Slot.objects.count() == 4


@pytest.mark.parametrize(
    "args",
    [["--venue=999999"], ["--start=2030-13-01"], ["--days=0"]],
)
def test_command_rejects_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("generate_slots", *args, stdout=StringIO())
