"""Shared moves of the waiting-list tests: fill a slot, queue, free a place, and check the
slot's books."""

from django.db.models import Sum

from booking import services as booking_services
from booking.models import Booking, Slot
from tests.factories import UserFactory
from waitlist import services
from waitlist.models import WaitlistEntry


def book(resident, slot: Slot, party_size: int = 1) -> Booking:  # type: ignore[no-untyped-def]
    return booking_services.place_booking(
        resident=resident, slot_id=slot.pk, party_size=party_size
    ).booking


def join(resident, slot: Slot, party_size: int = 1) -> WaitlistEntry:  # type: ignore[no-untyped-def]
    return services.join_waitlist(resident=resident, slot_id=slot.pk, party_size=party_size)


def line_up(slot: Slot, n: int) -> list[WaitlistEntry]:
    """`n` new residents join the slot's line, one place each, in order."""
    return [join(UserFactory(username=f"waiter{i}"), slot) for i in range(n)]


def cancel_booking_of(holder, slot: Slot) -> Booking:  # type: ignore[no-untyped-def]
    """The holder cancels their booking of the slot: its places go back (to the line)."""
    taken = Booking.objects.get(slot=slot, resident=holder)
    return booking_services.cancel_booking(booking_id=taken.pk, by_user=holder)


def assert_books_balance(slot: Slot) -> None:
    """Taken places == the active bookings' places; each offered entry's hold is held and
    each hold of an offer belongs to an offered or accepted entry: no place held by nobody."""
    slot.refresh_from_db()
    active = Booking.objects.active().filter(slot=slot)
    taken = active.aggregate(places=Sum("places"))["places"] or 0
    assert slot.places - slot.remaining == taken
    assert 0 <= slot.remaining <= slot.places
    for entry in WaitlistEntry.objects.filter(slot=slot, status=WaitlistEntry.Status.OFFERED):
        assert entry.booking is not None and entry.booking.status == Booking.Status.HELD
    for held in active.filter(status=Booking.Status.HELD):
        entry = WaitlistEntry.objects.filter(booking=held).first()
        if entry is not None:
            assert entry.status in (WaitlistEntry.Status.OFFERED, WaitlistEntry.Status.ACCEPTED)
