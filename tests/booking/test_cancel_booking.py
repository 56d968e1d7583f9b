"""cancel_booking: deadline, who may cancel, places given back, never deleted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from booking import services
from booking.exceptions import BookingNotFoundError, NotCancellableError, SlotTakenError
from booking.models import Booking
from tests.factories import SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def book(resident, resource, starts_in: dt.timedelta = dt.timedelta(hours=24), **kwargs):  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0) + starts_in
    slot = SlotFactory(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=1), **kwargs
    )
    return services.place_booking(resident=resident, slot_id=slot.pk).booking


def test_cancel_in_time_is_not_late_and_gives_the_place_back(resident, court):
    booking = book(resident, court)
    cancelled = services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert cancelled.status == Booking.Status.CANCELLED
    assert not cancelled.late_cancellation
    assert cancelled.cancelled_by == resident
    assert cancelled.cancelled_at is not None
    assert cancelled.sequence == booking.sequence + 1
    booking.slot.refresh_from_db()
    assert booking.slot.remaining == 1


def test_cancel_after_the_deadline_is_recorded_as_late(resident, court):
    # The court's policy: free cancellation until 2 hours before the start.
    booking = book(resident, court, starts_in=dt.timedelta(hours=1))
    cancelled = services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.late_cancellation
    booking.slot.refresh_from_db()
    assert booking.slot.remaining == 1


def test_cancel_one_second_before_the_deadline_is_in_time(resident, court):
    booking = book(resident, court, starts_in=dt.timedelta(hours=3))
    deadline = booking.starts_at - dt.timedelta(hours=2)
    cancelled = services.cancel_booking(
        booking_id=booking.pk, by_user=resident, now=deadline - dt.timedelta(seconds=1)
    )
    assert not cancelled.late_cancellation


def test_cancel_one_second_after_the_deadline_is_late(resident, court):
    booking = book(resident, court, starts_in=dt.timedelta(hours=3))
    deadline = booking.starts_at - dt.timedelta(hours=2)
    cancelled = services.cancel_booking(
        booking_id=booking.pk, by_user=resident, now=deadline + dt.timedelta(seconds=1)
    )
    assert cancelled.late_cancellation


def test_venue_staff_may_cancel_a_residents_booking_without_a_late_mark(
    resident, staff_user, court
):
    booking = book(resident, court, starts_in=dt.timedelta(hours=1))
    cancelled = services.cancel_booking(booking_id=booking.pk, by_user=staff_user)
    assert cancelled.status == Booking.Status.CANCELLED
    assert not cancelled.late_cancellation
    assert cancelled.cancelled_by == staff_user


def test_unpaid_hold_cancelled_late_is_not_late(resident, court, settings):
    settings.STRIPE_ENABLED = True
    booking = book(resident, court, starts_in=dt.timedelta(hours=1), price=Decimal("30.00"))
    assert booking.status == Booking.Status.HELD
    cancelled = services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert not cancelled.late_cancellation


def test_another_resident_cannot_cancel_and_cannot_tell_the_booking_exists(
    resident, other_resident, court
):
    booking = book(resident, court)
    with pytest.raises(BookingNotFoundError):
        services.cancel_booking(booking_id=booking.pk, by_user=other_resident)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_staff_of_another_venue_cannot_cancel(resident, court):
    from tests.factories import VenueFactory

    stranger = UserFactory(username="other-staff")
    VenueFactory().staff.add(stranger)
    booking = book(resident, court)
    with pytest.raises(BookingNotFoundError):
        services.cancel_booking(booking_id=booking.pk, by_user=stranger)


def test_unknown_booking_is_not_found(resident):
    with pytest.raises(BookingNotFoundError):
        services.cancel_booking(booking_id=999999, by_user=resident)


def test_started_booking_cannot_be_cancelled(resident, court):
    booking = book(resident, court, starts_in=dt.timedelta(minutes=30))
    with pytest.raises(NotCancellableError):
        services.cancel_booking(
            booking_id=booking.pk, by_user=resident, now=booking.starts_at + dt.timedelta(minutes=1)
        )


@pytest.mark.parametrize(
    "status", [Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW, Booking.Status.EXPIRED]
)
def test_finished_booking_cannot_be_cancelled(resident, court, status):
    booking = book(resident, court)
    Booking.objects.filter(pk=booking.pk).update(status=status)
    with pytest.raises(NotCancellableError):
        services.cancel_booking(booking_id=booking.pk, by_user=resident)


def test_cancelling_twice_gives_the_place_back_once(resident, gym):
    slot = SlotFactory(resource=gym)
    booking = services.place_booking(resident=resident, slot_id=slot.pk, party_size=3).booking
    first = services.cancel_booking(booking_id=booking.pk, by_user=resident)
    second = services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert first.status == second.status == Booking.Status.CANCELLED
    assert second.cancelled_at == first.cancelled_at
    slot.refresh_from_db()
    assert slot.remaining == 20


def test_cancelled_place_can_be_booked_by_another_resident(resident, other_resident, court):
    booking = book(resident, court)
    with pytest.raises(SlotTakenError):
        services.place_booking(resident=other_resident, slot_id=booking.slot_id)
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    taken = services.place_booking(resident=other_resident, slot_id=booking.slot_id)
    assert taken.created
    assert taken.booking.resident == other_resident


def test_cancelled_booking_is_kept_not_deleted(resident, court):
    booking = book(resident, court)
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert Booking.objects.filter(pk=booking.pk, status=Booking.Status.CANCELLED).exists()
