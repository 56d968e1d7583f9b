"""No-show sweep, strikes and suspension, with a frozen clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from booking import services, standing
from booking.exceptions import (
    NotVenueStaffError,
    StrikeAlreadyWaivedError,
    StrikeNotFoundError,
    SuspendedError,
)
from booking.models import Booking, ResidentStanding, Strike
from tests.factories import SlotFactory, UserFactory
from venues.models import BookingPolicy

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)  # a Monday, 10:00


def book_at(resident, resource, start: dt.datetime) -> Booking:  # type: ignore[no-untyped-def]
    """Book the hour at `start`, as the resident would the day before."""
    slot = SlotFactory(resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with time_machine.travel(start - dt.timedelta(days=1), tick=False):
        return services.place_booking(resident=resident, slot_id=slot.pk).booking


def no_show_at(resident, resource, start: dt.datetime) -> Booking:  # type: ignore[no-untyped-def]
    booking = book_at(resident, resource, start)
    with time_machine.travel(start + dt.timedelta(hours=1, seconds=1), tick=False):
        standing.mark_no_shows()
    booking.refresh_from_db()
    return booking


def test_confirmed_booking_not_checked_in_within_the_grace_period_is_a_no_show(resident, court):
    # Policy default: 15 minutes of grace after the start; the places are released then.
    booking = book_at(resident, court, DAY0)

    with time_machine.travel(DAY0 + dt.timedelta(minutes=14, seconds=59), tick=False):
        assert standing.mark_no_shows() == 0
    with time_machine.travel(DAY0 + dt.timedelta(minutes=15), tick=False):
        assert standing.mark_no_shows() == 1
        assert standing.mark_no_shows() == 0  # once

    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    booking.slot.refresh_from_db()
    assert booking.slot.remaining == 1  # released: the waiting list, then walk-ins
    strike = Strike.objects.get(booking=booking)
    assert (strike.kind, strike.resident_id, strike.venue_id) == (
        Strike.Kind.NO_SHOW,
        resident.pk,
        court.venue_id,
    )
    assert strike.created_at == DAY0 + dt.timedelta(minutes=15)


def test_the_grace_period_is_the_venue_policys(resident, court):
    BookingPolicy.objects.update_or_create(
        venue=court.venue, defaults={"no_show_grace_minutes": 40}
    )
    book_at(resident, court, DAY0)
    with time_machine.travel(DAY0 + dt.timedelta(minutes=39), tick=False):
        assert standing.mark_no_shows() == 0
    with time_machine.travel(DAY0 + dt.timedelta(minutes=40), tick=False):
        assert standing.mark_no_shows() == 1


def test_checked_in_booking_is_not_a_no_show(resident, court):
    booking = book_at(resident, court, DAY0)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        services.check_in_booking(booking=locked, at=DAY0)

    with time_machine.travel(DAY0 + dt.timedelta(hours=2), tick=False):
        assert standing.mark_no_shows() == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    assert not Strike.objects.exists()


def test_third_strike_within_the_period_suspends_booking(resident, court):
    # Policy defaults: 3 strikes within 30 days suspend for 14 days.
    no_show_at(resident, court, DAY0)
    no_show_at(resident, court, DAY0 + dt.timedelta(days=8))
    assert not ResidentStanding.objects.filter(suspended_until__isnull=False).exists()

    third = DAY0 + dt.timedelta(days=16)
    no_show_at(resident, court, third)

    swept_at = third + dt.timedelta(hours=1, seconds=1)
    suspended_until = ResidentStanding.objects.get(user=resident).suspended_until
    assert suspended_until == swept_at + dt.timedelta(days=14)

    later = SlotFactory(
        resource=court,
        starts_at=third + dt.timedelta(days=2),
        ends_at=third + dt.timedelta(days=2, hours=1),
    )
    with (
        time_machine.travel(third + dt.timedelta(days=1), tick=False),
        pytest.raises(SuspendedError) as excinfo,
    ):
        services.place_booking(resident=resident, slot_id=later.pk)
    assert excinfo.value.extra["suspended_until"].startswith(
        suspended_until.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    )

    # The suspension ends on its own.
    after = SlotFactory(
        resource=court,
        starts_at=suspended_until + dt.timedelta(days=1),
        ends_at=suspended_until + dt.timedelta(days=1, hours=1),
    )
    with time_machine.travel(suspended_until + dt.timedelta(minutes=1), tick=False):
        assert services.place_booking(resident=resident, slot_id=after.pk).booking.is_active


def test_strikes_further_apart_than_the_period_do_not_suspend(resident, court):
    no_show_at(resident, court, DAY0)
    no_show_at(resident, court, DAY0 + dt.timedelta(days=16))
    no_show_at(resident, court, DAY0 + dt.timedelta(days=32))  # the first one is 32 days old
    assert Strike.objects.count() == 3
    assert ResidentStanding.objects.get(user=resident).suspended_until is None


def test_threshold_and_length_follow_the_venue_policy(resident, court):
    policy = court.venue.policy
    policy.strikes_to_suspend, policy.suspension_days = 1, 3
    policy.save()
    no_show_at(resident, court, DAY0)
    assert ResidentStanding.objects.get(user=resident).suspended_until == DAY0 + dt.timedelta(
        days=3, hours=1, seconds=1
    )


def test_policy_with_no_threshold_never_suspends(resident, court):
    court.venue.policy.strikes_to_suspend = 0
    court.venue.policy.save()
    for week in range(4):
        no_show_at(resident, court, DAY0 + dt.timedelta(days=7 * week))
    assert ResidentStanding.objects.get(user=resident).suspended_until is None


def test_late_cancellation_is_a_strike(resident, court):
    booking = book_at(resident, court, DAY0)
    with time_machine.travel(DAY0 - dt.timedelta(minutes=30), tick=False):
        cancelled = services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert cancelled.late_cancellation
    strike = Strike.objects.get(booking=booking)
    assert strike.kind == Strike.Kind.LATE_CANCELLATION
    assert strike.created_at == DAY0 - dt.timedelta(minutes=30)


def test_cancellation_in_time_is_no_strike(resident, court):
    booking = book_at(resident, court, DAY0)
    with time_machine.travel(DAY0 - dt.timedelta(hours=3), tick=False):
        services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert not Strike.objects.exists()


def test_late_cancellation_missed_by_a_crash_is_counted_by_the_sweep(resident, court):
    booking = book_at(resident, court, DAY0)
    # As if the process died between the cancellation's commit and recording its strike.
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.CANCELLED,
        late_cancellation=True,
        cancelled_at=DAY0 - dt.timedelta(minutes=10),
    )
    with time_machine.travel(DAY0 + dt.timedelta(hours=2), tick=False):
        standing.mark_no_shows()
    assert Strike.objects.get(booking=booking).kind == Strike.Kind.LATE_CANCELLATION


def test_waiving_a_strike_lifts_the_suspension(resident, court, staff_user):
    for days in (0, 8, 16):
        no_show_at(resident, court, DAY0 + dt.timedelta(days=days))
    assert ResidentStanding.objects.get(user=resident).suspended_until is not None
    strike = Strike.objects.order_by("created_at").first()

    with time_machine.travel(DAY0 + dt.timedelta(days=17), tick=False):
        waived = standing.waive_strike(strike_id=strike.pk, by_user=staff_user)

    assert waived.waived_at == DAY0 + dt.timedelta(days=17)
    assert waived.waived_by == staff_user
    assert ResidentStanding.objects.get(user=resident).suspended_until is None
    summary = standing.get_standing(user=resident, now=DAY0 + dt.timedelta(days=17))
    assert summary.suspended_until is None
    assert summary.active_strikes == 2
    assert len(summary.strikes) == 3


def test_waiving_one_of_four_strikes_keeps_the_suspension(resident, court, staff_user):
    for days in range(4):  # four bookings made before any no-show
        book_at(resident, court, DAY0 + dt.timedelta(days=days))
    with time_machine.travel(DAY0 + dt.timedelta(days=4), tick=False):
        assert standing.mark_no_shows() == 4
    with time_machine.travel(DAY0 + dt.timedelta(days=5), tick=False):
        standing.waive_strike(strike_id=Strike.objects.first().pk, by_user=staff_user)
    assert ResidentStanding.objects.get(user=resident).suspended_until is not None


def test_only_the_venues_staff_may_waive(resident, court):
    no_show_at(resident, court, DAY0)
    strike = Strike.objects.get()
    with pytest.raises(NotVenueStaffError):
        standing.waive_strike(strike_id=strike.pk, by_user=resident)
    with pytest.raises(NotVenueStaffError):
        standing.waive_strike(strike_id=strike.pk, by_user=UserFactory(username="stranger"))


def test_a_strike_is_waived_once(resident, court, staff_user):
    no_show_at(resident, court, DAY0)
    strike = Strike.objects.get()
    standing.waive_strike(strike_id=strike.pk, by_user=staff_user)
    with pytest.raises(StrikeAlreadyWaivedError):
        standing.waive_strike(strike_id=strike.pk, by_user=staff_user)


@pytest.mark.parametrize("strike_id", [10**9, "abc", None])
def test_unknown_strike_is_not_found(staff_user, strike_id):
    with pytest.raises(StrikeNotFoundError):
        standing.waive_strike(strike_id=strike_id, by_user=staff_user)


def test_a_booking_confirmed_after_its_start_gets_its_grace_from_the_confirmation(resident, court):
    # A released no-show's place, offered to the waiting list and accepted after the start.
    booking = book_at(resident, court, DAY0)
    Booking.objects.filter(pk=booking.pk).update(confirmed_at=DAY0 + dt.timedelta(minutes=20))
    with time_machine.travel(DAY0 + dt.timedelta(minutes=34), tick=False):
        assert standing.mark_no_shows() == 0
    with time_machine.travel(DAY0 + dt.timedelta(minutes=35), tick=False):
        assert standing.mark_no_shows() == 1
