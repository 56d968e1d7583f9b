"""place_booking: every rule, for the allowed and the refused case."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking import services
from booking.exceptions import (
    AlreadyBookedError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
    InvalidPartySizeError,
    PartyTooLargeError,
    PaymentUnavailableError,
    QuotaExceededError,
    SlotClosedError,
    SlotFullError,
    SlotInPastError,
    SlotNotFoundError,
    SlotTakenError,
    SuspendedError,
    WindowNotOpenError,
)
from booking.models import Booking, ResidentStanding, Slot
from tests.factories import BookingPolicyFactory, ResourceFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def slot_at(resource, start: dt.datetime, hours: float = 1, **kwargs) -> Slot:  # type: ignore[no-untyped-def]
    return SlotFactory(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=hours), **kwargs
    )


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


# --- the happy path ---------------------------------------------------------------------------


def test_free_slot_is_confirmed_at_once(resident, court):
    slot = SlotFactory(resource=court)
    result = services.place_booking(resident=resident, slot_id=slot.pk, party_size=2)
    assert result.created
    booking = result.booking
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.confirmed_at is not None
    assert booking.hold_expires_at is None
    assert (booking.starts_at, booking.ends_at) == (slot.starts_at, slot.ends_at)
    assert booking.places == 1  # an exclusive court is one booking, whatever the party
    slot.refresh_from_db()
    assert slot.remaining == 0


def test_paid_slot_is_held_until_payment_when_payments_are_enabled(resident, court, settings):
    settings.STRIPE_ENABLED = True
    slot = SlotFactory(resource=court, price=Decimal("40.00"))
    now = timezone.now()
    booking = services.place_booking(resident=resident, slot_id=slot.pk, now=now).booking
    assert booking.status == Booking.Status.HELD
    assert booking.price == Decimal("40.00")
    assert booking.hold_expires_at == now + dt.timedelta(minutes=court.venue.policy.hold_minutes)


def test_paid_slot_is_refused_while_payments_are_disabled(resident, court, settings):
    settings.STRIPE_ENABLED = False
    slot = SlotFactory(resource=court, price=Decimal("40.00"))
    with pytest.raises(PaymentUnavailableError):
        services.place_booking(resident=resident, slot_id=slot.pk)
    slot.refresh_from_db()
    assert slot.remaining == 1


# --- capacity and exclusivity --------------------------------------------------------------------


def test_second_booking_for_taken_exclusive_slot_is_rejected(resident, other_resident, court):
    slot = SlotFactory(resource=court)
    services.place_booking(resident=resident, slot_id=slot.pk)
    with pytest.raises(SlotTakenError):
        services.place_booking(resident=other_resident, slot_id=slot.pk)
    assert Booking.objects.filter(slot=slot).count() == 1


def test_shared_slot_sells_every_place_then_refuses(gym):
    slot = SlotFactory(resource=gym, capacity=3, places=3, remaining=3)
    for n in range(3):
        services.place_booking(resident=UserFactory(username=f"r{n}"), slot_id=slot.pk)
    with pytest.raises(SlotFullError):
        services.place_booking(resident=UserFactory(username="late"), slot_id=slot.pk)
    slot.refresh_from_db()
    assert slot.remaining == 0


def test_party_takes_as_many_places_of_a_shared_slot(resident, other_resident, gym):
    slot = SlotFactory(resource=gym, capacity=5, places=5, remaining=5)
    booking = services.place_booking(resident=resident, slot_id=slot.pk, party_size=4).booking
    assert booking.places == 4
    with pytest.raises(SlotFullError):
        services.place_booking(resident=other_resident, slot_id=slot.pk, party_size=2)
    services.place_booking(resident=other_resident, slot_id=slot.pk, party_size=1)
    slot.refresh_from_db()
    assert slot.remaining == 0


def test_party_larger_than_the_slot_is_refused(resident, court):
    slot = SlotFactory(resource=court)  # capacity 4
    services.place_booking(resident=resident, slot_id=slot.pk, party_size=4)
    other = SlotFactory(
        resource=court, starts_at=slot.ends_at, ends_at=slot.ends_at + dt.timedelta(hours=1)
    )
    with pytest.raises(PartyTooLargeError) as excinfo:
        services.place_booking(resident=resident, slot_id=other.pk, party_size=5)
    assert excinfo.value.fields == {"party_size": ["Must be at most 4."]}


@pytest.mark.parametrize("party_size", [0, -1, "two", "2", 1.5, 2.0, None, True, 1001])
def test_bad_party_size_is_refused(resident, court, party_size):
    slot = SlotFactory(resource=court)
    with pytest.raises(InvalidPartySizeError):
        services.place_booking(resident=resident, slot_id=slot.pk, party_size=party_size)


@pytest.mark.parametrize("slot_id", [0, -5, 2**80, "1", None, True])
def test_unknown_or_malformed_slot_id_is_not_found(resident, court, slot_id):
    SlotFactory(resource=court)
    with pytest.raises(SlotNotFoundError):
        services.place_booking(resident=resident, slot_id=slot_id)


def test_closed_slot_is_refused_and_an_open_one_at_the_same_venue_is_not(resident, court):
    closed = SlotFactory(resource=court, is_closed=True, closed_reason="设备维修 Maintenance")
    with pytest.raises(SlotClosedError) as excinfo:
        services.place_booking(resident=resident, slot_id=closed.pk)
    assert excinfo.value.detail == "设备维修 Maintenance"
    open_slot = slot_at(court, closed.ends_at)
    assert services.place_booking(resident=resident, slot_id=open_slot.pk).created


def test_slot_of_an_inactive_resource_is_refused(resident, venue):
    resource = ResourceFactory(venue=venue, is_active=False)
    with pytest.raises(SlotClosedError):
        services.place_booking(resident=resident, slot_id=SlotFactory(resource=resource).pk)


# --- the booking window --------------------------------------------------------------------------


@pytest.fixture
def noon_release_court(venue):  # type: ignore[no-untyped-def]
    BookingPolicyFactory._meta.model.objects.filter(venue=venue).update(
        window_days=7, release_time=dt.time(12, 0)
    )
    return ResourceFactory(venue=venue, exclusive=True, capacity=4)


def test_slot_a_week_ahead_is_refused_one_second_before_the_noon_release(
    resident, noon_release_court, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 3, 11, 59, 59, tzinfo=SHANGHAI), tick=False)
    slot = slot_at(noon_release_court, dt.datetime(2026, 3, 10, 19, 0, tzinfo=SHANGHAI))
    with pytest.raises(WindowNotOpenError) as excinfo:
        services.place_booking(resident=resident, slot_id=slot.pk)
    assert excinfo.value.extra == {"opens_at": "2026-03-03T12:00:00+08:00"}
    assert Booking.objects.count() == 0


def test_slot_a_week_ahead_is_booked_at_the_noon_release(
    resident, noon_release_court, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 3, 12, 0, 0, tzinfo=SHANGHAI), tick=False)
    slot = slot_at(noon_release_court, dt.datetime(2026, 3, 10, 19, 0, tzinfo=SHANGHAI))
    assert services.place_booking(resident=resident, slot_id=slot.pk).created


def test_slot_six_days_ahead_was_released_yesterday(resident, noon_release_court, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI), tick=False)
    slot = slot_at(noon_release_court, dt.datetime(2026, 3, 9, 19, 0, tzinfo=SHANGHAI))
    assert services.place_booking(resident=resident, slot_id=slot.pk).created


def test_slot_that_has_started_is_refused(resident, court):
    start = timezone.now() - dt.timedelta(minutes=10)
    slot = slot_at(court, start)
    with pytest.raises(SlotInPastError):
        services.place_booking(resident=resident, slot_id=slot.pk)


def test_slot_starting_in_a_minute_can_still_be_booked(resident, court):
    slot = slot_at(court, timezone.now() + dt.timedelta(minutes=1))
    assert services.place_booking(resident=resident, slot_id=slot.pk).created


# --- per-resident limits ----------------------------------------------------------------------


def test_resident_cannot_hold_two_bookings_of_one_shared_slot(resident, gym):
    slot = SlotFactory(resource=gym)
    services.place_booking(resident=resident, slot_id=slot.pk)
    with pytest.raises(AlreadyBookedError):
        services.place_booking(resident=resident, slot_id=slot.pk)
    slot.refresh_from_db()
    assert slot.remaining == 19


def test_owner_retapping_a_taken_exclusive_slot_is_told_it_is_already_theirs(resident, court):
    slot = SlotFactory(resource=court)
    services.place_booking(resident=resident, slot_id=slot.pk)
    with pytest.raises(AlreadyBookedError):
        services.place_booking(resident=resident, slot_id=slot.pk)


def test_resident_can_book_a_slot_again_after_cancelling_it(resident, gym):
    slot = SlotFactory(resource=gym)
    first = services.place_booking(resident=resident, slot_id=slot.pk).booking
    services.cancel_booking(booking_id=first.pk, by_user=resident)
    again = services.place_booking(resident=resident, slot_id=slot.pk).booking
    assert again.pk != first.pk
    assert Booking.objects.filter(slot=slot, resident=resident).count() == 2


def test_third_booking_of_a_day_at_one_venue_is_refused(resident, court):
    # The court's policy: at most 2 bookings and 2 hours per venue per day.
    slots = [slot_at(court, tomorrow_at(h)) for h in (9, 11, 14)]
    services.place_booking(resident=resident, slot_id=slots[0].pk)
    services.place_booking(resident=resident, slot_id=slots[1].pk)
    with pytest.raises(QuotaExceededError) as excinfo:
        services.place_booking(resident=resident, slot_id=slots[2].pk)
    assert excinfo.value.extra["limit"] == "per_day"


def test_daily_limit_is_per_venue(resident, court):
    for h in (9, 11):
        services.place_booking(resident=resident, slot_id=slot_at(court, tomorrow_at(h)).pk)
    elsewhere = ResourceFactory()  # another venue, default policy
    assert services.place_booking(
        resident=resident, slot_id=slot_at(elsewhere, tomorrow_at(14)).pk
    ).created


def test_fifth_booking_of_a_week_is_refused(resident, court, time_machine):
    # Monday 08:00: the whole week (Mon-Sun) is inside the 7-day window.
    time_machine.move_to(dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI), tick=False)
    days = [dt.datetime(2026, 3, d, 19, 0, tzinfo=SHANGHAI) for d in (3, 4, 5, 6, 7)]
    slots = [slot_at(court, day) for day in days]
    for slot in slots[:4]:
        services.place_booking(resident=resident, slot_id=slot.pk)
    with pytest.raises(QuotaExceededError) as excinfo:
        services.place_booking(resident=resident, slot_id=slots[4].pk)
    assert excinfo.value.extra == {"limit": "per_week", "max": 4}


def test_next_weeks_booking_does_not_count_against_this_week(resident, court, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 5, 8, 0, tzinfo=SHANGHAI), tick=False)
    for d in (5, 6, 7, 8):  # Thursday to Sunday
        services.place_booking(
            resident=resident,
            slot_id=slot_at(court, dt.datetime(2026, 3, d, 19, tzinfo=SHANGHAI)).pk,
        )
    monday = slot_at(court, dt.datetime(2026, 3, 9, 19, tzinfo=SHANGHAI))
    assert services.place_booking(resident=resident, slot_id=monday.pk).created


def test_more_hours_a_day_than_the_policy_allows_are_refused(resident, court):
    services.place_booking(resident=resident, slot_id=slot_at(court, tomorrow_at(9), hours=1.5).pk)
    with pytest.raises(QuotaExceededError) as excinfo:
        services.place_booking(resident=resident, slot_id=slot_at(court, tomorrow_at(14)).pk)
    assert excinfo.value.extra == {"limit": "hours_per_day", "max": "2.0"}


def test_exactly_the_daily_hours_are_allowed(resident, court):
    services.place_booking(resident=resident, slot_id=slot_at(court, tomorrow_at(9)).pk)
    assert services.place_booking(
        resident=resident, slot_id=slot_at(court, tomorrow_at(14)).pk
    ).created


def test_cancelled_bookings_do_not_count_against_the_limits(resident, court):
    first = services.place_booking(resident=resident, slot_id=slot_at(court, tomorrow_at(9)).pk)
    services.place_booking(resident=resident, slot_id=slot_at(court, tomorrow_at(11)).pk)
    services.cancel_booking(booking_id=first.booking.pk, by_user=resident)
    assert services.place_booking(
        resident=resident, slot_id=slot_at(court, tomorrow_at(14)).pk
    ).created


def test_refused_quota_gives_the_place_back(resident, other_resident, court):
    for h in (9, 11):
        services.place_booking(resident=resident, slot_id=slot_at(court, tomorrow_at(h)).pk)
    third = slot_at(court, tomorrow_at(14))
    with pytest.raises(QuotaExceededError):
        services.place_booking(resident=resident, slot_id=third.pk)
    third.refresh_from_db()
    assert third.remaining == 1
    assert services.place_booking(resident=other_resident, slot_id=third.pk).created


# --- suspension ---------------------------------------------------------------------------------


def test_suspended_resident_is_refused_with_the_end_of_the_suspension(resident, court):
    until = dt.datetime(2030, 1, 15, 12, 0, tzinfo=SHANGHAI)
    ResidentStanding.objects.create(user=resident, suspended_until=until)
    with pytest.raises(SuspendedError) as excinfo:
        services.place_booking(resident=resident, slot_id=SlotFactory(resource=court).pk)
    assert excinfo.value.extra == {"suspended_until": "2030-01-15T12:00:00+08:00"}
    assert Booking.objects.count() == 0


def test_resident_whose_suspension_has_ended_may_book_again(resident, court):
    ResidentStanding.objects.create(
        user=resident, suspended_until=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.place_booking(resident=resident, slot_id=SlotFactory(resource=court).pk).created


# --- idempotency ----------------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_first_booking(resident, court):
    slot = SlotFactory(resource=court)
    first = services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1")
    again = services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1")
    assert first.created and not again.created
    assert again.booking.pk == first.booking.pk
    assert Booking.objects.count() == 1


def test_same_idempotency_key_for_another_slot_is_refused(resident, court):
    first, second = SlotFactory(resource=court), slot_at(court, tomorrow_at(6))
    services.place_booking(resident=resident, slot_id=first.pk, idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReusedError):
        services.place_booking(resident=resident, slot_id=second.pk, idempotency_key="k1")


def test_another_residents_key_is_just_another_key(resident, other_resident, gym):
    slot = SlotFactory(resource=gym)
    a = services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="same")
    b = services.place_booking(resident=other_resident, slot_id=slot.pk, idempotency_key="same")
    assert a.created and b.created
    assert a.booking.pk != b.booking.pk


def test_replay_returns_the_booking_even_after_it_was_cancelled(resident, court):
    slot = SlotFactory(resource=court)
    first = services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1")
    services.cancel_booking(booking_id=first.booking.pk, by_user=resident)
    again = services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1")
    assert not again.created
    assert again.booking.status == Booking.Status.CANCELLED


@pytest.mark.parametrize("key", ["x" * 101, "has space", "中文", "tab\t"])
def test_malformed_idempotency_key_is_refused(resident, court, key):
    with pytest.raises(InvalidIdempotencyKeyError):
        services.place_booking(
            resident=resident, slot_id=SlotFactory(resource=court).pk, idempotency_key=key
        )


def test_refused_attempt_can_be_retried_with_the_same_key(resident, other_resident, gym):
    slot = SlotFactory(resource=gym, capacity=1, places=1, remaining=1)
    taken = services.place_booking(resident=other_resident, slot_id=slot.pk).booking
    with pytest.raises(SlotFullError):
        services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1")
    services.cancel_booking(booking_id=taken.pk, by_user=other_resident)
    assert services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1").created
