import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from booking import services
from booking.exceptions import (
    AlreadyBookedError,
    InvalidPartySizeError,
    SlotInPastError,
    SlotTakenError,
    WindowNotOpenError,
)
from booking.models import Booking
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def test_free_slot_is_confirmed_at_once(resident, court):
    slot = SlotFactory(resource=court)
    result = services.place_booking(resident=resident, slot_id=slot.pk, party_size=2)
    assert result.created
    assert result.booking.status == Booking.Status.CONFIRMED
    slot.refresh_from_db()
    assert slot.remaining == 0


def test_second_booking_for_taken_slot_is_rejected(resident, other_resident, court):
    slot = SlotFactory(resource=court)
    services.place_booking(resident=resident, slot_id=slot.pk)
    with pytest.raises(SlotTakenError):
        services.place_booking(resident=other_resident, slot_id=slot.pk)


def test_same_idempotency_key_returns_first_booking(resident, court):
    slot = SlotFactory(resource=court)
    first = services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1")
    again = services.place_booking(resident=resident, slot_id=slot.pk, idempotency_key="k1")
    assert not again.created
    assert again.booking.pk == first.booking.pk
    assert Booking.objects.count() == 1


def test_resident_cannot_book_same_shared_slot_twice(resident, gym):
    slot = SlotFactory(resource=gym)
    services.place_booking(resident=resident, slot_id=slot.pk)
    with pytest.raises(AlreadyBookedError):
        services.place_booking(resident=resident, slot_id=slot.pk)
    slot.refresh_from_db()
    assert slot.remaining == 19


def test_past_slot_is_refused(resident, court):
    start = timezone.now() - dt.timedelta(hours=1)
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with pytest.raises(SlotInPastError):
        services.place_booking(resident=resident, slot_id=slot.pk)


def test_slot_beyond_window_is_refused_with_opening_time(resident, court):
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=10)
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    with pytest.raises(WindowNotOpenError) as excinfo:
        services.place_booking(resident=resident, slot_id=slot.pk)
    assert "opens_at" in excinfo.value.extra


@pytest.mark.parametrize("party_size", [0, -1, "two", 1.5, None, True])
def test_bad_party_size_is_refused(resident, court, party_size):
    slot = SlotFactory(resource=court)
    with pytest.raises(InvalidPartySizeError):
        services.place_booking(resident=resident, slot_id=slot.pk, party_size=party_size)


def test_cancel_returns_the_place(resident, court):
    slot = SlotFactory(resource=court, price=Decimal("0"))
    booking = services.place_booking(resident=resident, slot_id=slot.pk).booking
    cancelled = services.cancel_booking(booking_id=booking.pk, by_user=resident)
    assert cancelled.status == Booking.Status.CANCELLED
    assert not cancelled.late_cancellation
    slot.refresh_from_db()
    assert slot.remaining == 1
