"""The booking side of paid holds: the two services the payments app calls to change a held
booking, and the signals booking sends it (booking never imports payments; this test does, to
see that it listens)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from booking import holds, services, signals
from booking.models import Booking, Slot
from common.models import Notice
from payments.models import Payment
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db


def held_booking(*, places: int = 2, remaining: int = 1) -> Booking:
    slot = SlotFactory(capacity=4, places=3, remaining=remaining, price=Decimal("30.00"))
    return BookingFactory(
        slot=slot,
        places=places,
        party_size=places,
        price=slot.price,
        status=Booking.Status.HELD,
        hold_expires_at=timezone.now() + dt.timedelta(minutes=10),
    )


def locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().get(pk=booking.pk)


def test_confirming_a_paid_hold_confirms_it_and_owes_its_confirmation_in_the_same_transaction():
    booking = held_booking()
    now = timezone.now()
    with transaction.atomic():
        row = locked(booking)
        holds.confirm_paid_hold(booking=row, now=now)
        assert Notice.objects.filter(kind=Booking.CONFIRMATION_NOTICE, ref=booking.pk).exists()
    booking.refresh_from_db()
    assert (booking.status, booking.confirmed_at, booking.sequence) == ("confirmed", now, 1)
    assert row.sequence == 1  # the caller's object is up to date, not an F() expression
    assert Slot.objects.get(pk=booking.slot_id).remaining == 1  # the place stays taken


def test_releasing_a_hold_expires_it_and_gives_its_places_back_once():
    booking = held_booking(places=2, remaining=1)
    with transaction.atomic():
        holds.release_hold(booking=locked(booking))
    booking.refresh_from_db()
    assert (booking.status, booking.sequence) == ("expired", 1)
    assert Slot.objects.get(pk=booking.slot_id).remaining == 3
    with pytest.raises(ValueError, match="not held"), transaction.atomic():
        holds.release_hold(booking=locked(booking))
    assert Slot.objects.get(pk=booking.slot_id).remaining == 3


@pytest.mark.parametrize("status", ["confirmed", "cancelled", "expired"])
def test_only_a_held_booking_is_confirmed_by_its_payment(status):
    booking = held_booking()
    Booking.objects.filter(pk=booking.pk).update(status=status)
    with pytest.raises(ValueError, match="not held"), transaction.atomic():
        holds.confirm_paid_hold(booking=locked(booking), now=timezone.now())
    assert not Notice.objects.filter(ref=booking.pk).exists()


def test_booking_announces_held_bookings_and_cancellations(stripe_settings, resident, court):
    """One `booking_held` per held booking placed (none for a free one), one `booking_cancelled`
    per cancellation (a double tap cancels once); the payments app listens to both."""
    heard: list[tuple[str, int]] = []

    def listen(name):  # type: ignore[no-untyped-def]
        def receiver(sender, *, booking, **kwargs):  # type: ignore[no-untyped-def]
            heard.append((name, booking.pk))

        return receiver

    on_held, on_cancelled = listen("held"), listen("cancelled")
    signals.booking_held.connect(on_held, sender=Booking)
    signals.booking_cancelled.connect(on_cancelled, sender=Booking)
    try:
        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
        paid, free = (
            SlotFactory(
                resource=court,
                starts_at=start + dt.timedelta(hours=hour),
                ends_at=start + dt.timedelta(hours=hour + 1),
                price=price,
            )
            for hour, price in ((0, Decimal("10.00")), (2, Decimal("0.00")))
        )
        held = services.place_booking(resident=resident, slot_id=paid.pk).booking
        confirmed = services.place_booking(resident=resident, slot_id=free.pk).booking
        assert (held.status, confirmed.status) == ("held", "confirmed")
        for _ in range(2):  # a double tap
            services.cancel_booking(booking_id=held.pk, by_user=resident)
    finally:
        signals.booking_held.disconnect(on_held, sender=Booking)
        signals.booking_cancelled.disconnect(on_cancelled, sender=Booking)
    assert heard == [("held", held.pk), ("cancelled", held.pk)]
    # The payments app heard them too: the held booking's payment was started, then settled.
    assert Payment.objects.get(booking=held).status == Payment.Status.CANCELED
