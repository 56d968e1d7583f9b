"""The waiting list's booking gate: a place freed on a slot goes to the queue before anyone
else, and only while a waiting party fits in it."""

import pytest

from booking import services as booking_services
from tests.factories import SlotFactory, UserFactory
from tests.waitlist.helpers import assert_books_balance, book, join
from waitlist import services
from waitlist.exceptions import WaitlistFirstError
from waitlist.models import WaitlistEntry

# `db`, not `transactional_db`: after-commit work (the places_freed signal and its offer) does
# not run, which is the moment between a give-back's commit and the offer that the gate guards.
pytestmark = pytest.mark.django_db
Status = WaitlistEntry.Status


def test_a_place_freed_on_a_court_goes_to_the_first_in_line_not_to_a_walk_up(
    court, resident, other_resident
):
    slot = SlotFactory(resource=court)
    holder = book(other_resident, slot)
    entry = join(resident, slot)
    booking_services.cancel_booking(booking_id=holder.pk, by_user=other_resident)

    walk_up = UserFactory(username="walkup")
    with pytest.raises(WaitlistFirstError) as refused:
        booking_services.place_booking(resident=walk_up, slot_id=slot.pk)
    assert refused.value.code == "waitlist_first"

    services.offer_freed_places(slot_id=slot.pk)
    entry.refresh_from_db()
    assert entry.status == Status.OFFERED
    assert_books_balance(slot)


def test_a_walk_up_may_take_free_places_no_waiting_party_fits(gym, resident):
    slot = SlotFactory(resource=gym, places=3, remaining=3)
    holders = [UserFactory(username=f"holder{i}") for i in range(3)]
    bookings = [book(holder, slot) for holder in holders]
    join(resident, slot, party_size=2)
    booking_services.cancel_booking(booking_id=bookings[0].pk, by_user=holders[0])

    walk_up = UserFactory(username="walkup")
    booked = booking_services.place_booking(resident=walk_up, slot_id=slot.pk).booking
    assert booked.places == 1
    assert_books_balance(slot)


def test_with_nobody_waiting_the_gate_lets_everyone_book(court, resident):
    slot = SlotFactory(resource=court)
    assert book(resident, slot).status == "confirmed"
