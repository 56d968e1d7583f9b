"""The waiting list's rules, allowed and refused, on the services (PostgreSQL or SQLite)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from booking import services as booking_services
from booking import standing
from booking.exceptions import (
    AlreadyBookedError,
    InvalidPartySizeError,
    PartyTooLargeError,
    SlotClosedError,
    SlotInPastError,
    SlotNotFoundError,
    SlotTakenError,
    SuspendedError,
)
from booking.models import Booking, ResidentStanding
from common import notices
from tests.factories import SlotFactory, UserFactory
from tests.waitlist.helpers import assert_books_balance, book, cancel_booking_of, join, line_up
from venues.models import BookingPolicy
from waitlist import selectors, services
from waitlist.exceptions import (
    AlreadyWaitingError,
    EntryNotFoundError,
    NotFullError,
    NotLiveError,
    NotOfferedError,
    OfferExpiredError,
)
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db
Status = WaitlistEntry.Status


@pytest.fixture
def full_court(court, other_resident):  # type: ignore[no-untyped-def]
    slot = SlotFactory(resource=court)
    book(other_resident, slot)
    return slot


@pytest.fixture
def run_after_commit(transactional_db):  # type: ignore[no-untyped-def]
    """Real commits, so that what booking and the waiting list do after them (signals, the
    next offer) runs as in production."""


# --- queueing -------------------------------------------------------------------------------


def test_resident_queues_for_a_full_slot_in_order(full_court):
    first, second = UserFactory(username="waiter0"), UserFactory(username="waiter1")
    a = join(first, full_court)
    b = join(second, full_court, party_size=2)
    assert (a.status, b.status) == (Status.WAITING, Status.WAITING)
    assert selectors.position(a) == 1
    assert selectors.position(b) == 2
    services.withdraw_entry(entry_id=a.pk, user=first)
    b.refresh_from_db()
    assert selectors.position(b) == 1


def test_a_slot_with_room_is_booked_not_queued_for(court, resident):
    slot = SlotFactory(resource=court)
    with pytest.raises(NotFullError):
        join(resident, slot)


def test_a_shared_slot_is_full_for_a_party_larger_than_its_remaining_places(gym, resident):
    slot = SlotFactory(resource=gym, remaining=2)
    with pytest.raises(NotFullError):
        join(resident, slot, party_size=2)
    entry = join(resident, slot, party_size=3)
    assert entry.places == 3


def test_second_live_entry_for_the_same_slot_is_refused(full_court, resident):
    join(resident, full_court)
    with pytest.raises(AlreadyWaitingError):
        join(resident, full_court, party_size=2)


def test_a_withdrawn_resident_may_queue_again_at_the_back(full_court, resident):
    entry = join(resident, full_court)
    services.withdraw_entry(entry_id=entry.pk, user=resident)
    again = join(resident, full_court)
    assert again.pk != entry.pk and again.status == Status.WAITING


def test_the_resident_who_holds_the_slot_cannot_queue_for_it(full_court, other_resident):
    with pytest.raises(AlreadyBookedError):
        join(other_resident, full_court)


@pytest.mark.parametrize("party_size", [0, -1, "2", 2.0, True, None, 10**9])
def test_malformed_party_size_is_refused(full_court, resident, party_size):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidPartySizeError):
        join(resident, full_court, party_size=party_size)


def test_party_larger_than_the_slot_is_refused(full_court, resident):
    with pytest.raises(PartyTooLargeError):
        join(resident, full_court, party_size=5)


@pytest.mark.parametrize("slot_id", [0, -5, 2**63, "1", None, 999_999])
def test_unknown_slot_is_refused(db, resident, slot_id):  # type: ignore[no-untyped-def]
    with pytest.raises(SlotNotFoundError):
        services.join_waitlist(resident=resident, slot_id=slot_id, party_size=1)


def test_started_and_closed_slots_have_no_waiting_list(court, resident):
    started = SlotFactory(
        resource=court, starts_at=timezone.now() - dt.timedelta(minutes=5), remaining=0
    )
    closed = SlotFactory(
        resource=court, is_closed=True, remaining=0, starts_at=timezone.now() + dt.timedelta(days=2)
    )
    with pytest.raises(SlotInPastError):
        join(resident, started)
    with pytest.raises(SlotClosedError):
        join(resident, closed)


def test_suspended_resident_cannot_queue(full_court, resident):
    ResidentStanding.objects.create(
        user=resident, suspended_until=timezone.now() + dt.timedelta(days=3)
    )
    with pytest.raises(SuspendedError):
        join(resident, full_court)


# --- offers ---------------------------------------------------------------------------------


def test_a_cancellation_offers_the_place_to_the_first_in_line_and_holds_it(
    full_court, other_resident, run_after_commit
):
    a, b = line_up(full_court, 2)

    cancel_booking_of(other_resident, full_court)

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (Status.OFFERED, Status.WAITING)
    assert a.booking.status == Booking.Status.HELD
    assert a.booking.resident_id == a.resident_id
    # Policy default 15 minutes (the slot is more than two hours away).
    assert a.offer_expires_at == a.offered_at + dt.timedelta(minutes=15)
    assert a.booking.hold_expires_at == a.offer_expires_at
    # Nobody else can take the offered place meanwhile.
    with pytest.raises(SlotTakenError):
        book(UserFactory(username="fast"), full_court)
    assert_books_balance(full_court)


def test_the_offer_is_mailed_with_its_link_and_expiry(full_court, other_resident, run_after_commit):
    (entry,) = line_up(full_court, 1)
    mail.outbox.clear()
    cancel_booking_of(other_resident, full_court)
    notices.send_due_notices()
    offers = [m for m in mail.outbox if "Waiting-list offer" in m.subject]
    assert len(offers) == 1
    assert offers[0].to == [entry.resident.email]
    assert f"/me/bookings/#waitlist-{entry.pk}" in offers[0].body
    entry.refresh_from_db()
    local = timezone.localtime(entry.offer_expires_at)
    assert f"{local:%H:%M}" in offers[0].body


def test_offers_close_to_the_start_are_shorter(court, other_resident, run_after_commit):
    soon = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=90)
    slot = SlotFactory(resource=court, starts_at=soon, ends_at=soon + dt.timedelta(hours=1))
    book(other_resident, slot)
    (entry,) = line_up(slot, 1)
    cancel_booking_of(other_resident, slot)
    entry.refresh_from_db()
    assert entry.offer_expires_at - entry.offered_at == dt.timedelta(minutes=5)


def test_the_first_party_that_fits_is_offered_and_larger_ones_keep_their_place(
    gym, run_after_commit
):
    slot = SlotFactory(resource=gym)  # 20 places
    holders = [UserFactory(username=f"waiter{i}") for i in range(4)]
    for holder in holders:
        book(holder, slot, party_size=5)
    e_big = join(UserFactory(username="big"), slot, party_size=4)
    e_small = join(UserFactory(username="small"), slot, party_size=2)
    # Two places come free when a party of 5 becomes a party of... a cancellation of 5:
    cancel_booking_of(Booking.objects.filter(slot=slot).first().resident, slot)
    e_big.refresh_from_db()
    e_small.refresh_from_db()
    # 5 free: the party of 4 (first in line) fits, then 1 is left: the party of 2 waits.
    assert (e_big.status, e_small.status) == (Status.OFFERED, Status.WAITING)
    assert_books_balance(slot)


def test_accepting_a_free_offer_confirms_the_booking(full_court, other_resident, run_after_commit):
    (entry,) = line_up(full_court, 1)
    first = entry.resident
    cancel_booking_of(other_resident, full_court)

    booking = services.accept_offer(entry_id=entry.pk, user=first)

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.hold_expires_at is None
    entry.refresh_from_db()
    assert entry.status == Status.ACCEPTED and entry.booking_id == booking.pk
    # A second tap returns the same booking.
    assert services.accept_offer(entry_id=entry.pk, user=first).pk == booking.pk
    assert_books_balance(full_court)


def test_accepting_after_the_expiry_is_refused_and_the_offer_passes_on(
    full_court, other_resident, run_after_commit
):
    a, b = line_up(full_court, 2)
    cancel_booking_of(other_resident, full_court)
    a.refresh_from_db()

    late = a.offer_expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(late, tick=False):
        with pytest.raises(OfferExpiredError):
            services.accept_offer(entry_id=a.pk, user=a.resident)
        a.refresh_from_db()
        b.refresh_from_db()
        assert a.status == Status.EXPIRED
        assert a.booking.status == Booking.Status.EXPIRED
        assert b.status == Status.OFFERED
        with pytest.raises(OfferExpiredError):  # and stays refused
            services.accept_offer(entry_id=a.pk, user=a.resident)
    assert_books_balance(full_court)


def test_declining_passes_the_offer_to_the_next_in_line(
    full_court, other_resident, run_after_commit
):
    a, b = line_up(full_court, 2)
    cancel_booking_of(other_resident, full_court)

    declined = services.decline_offer(entry_id=a.pk, user=a.resident)

    assert declined.status == Status.DECLINED
    b.refresh_from_db()
    assert b.status == Status.OFFERED
    assert services.decline_offer(entry_id=a.pk, user=a.resident).status == Status.DECLINED  # again
    with pytest.raises(NotOfferedError):
        services.accept_offer(entry_id=a.pk, user=a.resident)
    assert_books_balance(full_court)


def test_with_nobody_left_the_places_return_to_everyone(
    full_court, other_resident, run_after_commit
):
    (entry,) = line_up(full_court, 1)
    cancel_booking_of(other_resident, full_court)
    services.withdraw_entry(entry_id=entry.pk, user=entry.resident)
    full_court.refresh_from_db()
    assert full_court.remaining == 1
    assert book(UserFactory(username="walkup"), full_court).status == Booking.Status.CONFIRMED


def test_the_sweep_expires_offers_and_offers_the_next(full_court, other_resident, run_after_commit):
    a, b = line_up(full_court, 2)
    cancel_booking_of(other_resident, full_court)
    a.refresh_from_db()
    assert services.expire_offers() == 0  # not yet
    assert services.expire_offers(now=a.offer_expires_at) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (Status.EXPIRED, Status.OFFERED)
    assert_books_balance(full_court)


def test_the_sweep_offers_places_a_missed_signal_left_free(full_court, other_resident):
    # No on-commit callbacks run here: as if the process died right after the cancellation.
    (entry,) = line_up(full_court, 1)
    cancel_booking_of(other_resident, full_court)
    entry.refresh_from_db()
    assert entry.status == Status.WAITING

    services.expire_offers()

    entry.refresh_from_db()
    assert entry.status == Status.OFFERED
    assert_books_balance(full_court)


def test_an_offer_whose_hold_was_cancelled_is_settled_as_declined(
    full_court, other_resident, run_after_commit
):
    a, b = line_up(full_court, 2)
    cancel_booking_of(other_resident, full_court)
    a.refresh_from_db()
    # The resident cancels the held booking itself, from the booking list.
    booking_services.cancel_booking(booking_id=a.booking_id, by_user=a.resident)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (Status.DECLINED, Status.OFFERED)
    assert_books_balance(full_court)


def test_a_resident_at_their_limit_is_passed_over(venue, court, other_resident, run_after_commit):
    BookingPolicy.objects.filter(venue=venue).update(max_bookings_per_day=1)
    slot = SlotFactory(resource=court)
    other_court_slot = SlotFactory(
        resource=court,
        starts_at=slot.starts_at + dt.timedelta(hours=2),
        ends_at=slot.ends_at + dt.timedelta(hours=2),
    )
    book(other_resident, slot)
    a, b = line_up(slot, 2)
    book(a.resident, other_court_slot)  # now at the daily limit
    cancel_booking_of(other_resident, slot)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.closed_reason) == (Status.EXPIRED, "quota_exceeded")
    assert b.status == Status.OFFERED
    assert_books_balance(slot)


def test_a_released_no_show_is_offered_to_the_waiting_list(court, other_resident, run_after_commit):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=30)
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    book(other_resident, slot)
    (entry,) = line_up(slot, 1)

    with time_machine.travel(start + dt.timedelta(minutes=15), tick=False):
        assert standing.mark_no_shows() == 1
    entry.refresh_from_db()
    assert entry.status == Status.OFFERED
    # Near (here: after) the start the offer is the short one, and never beyond the slot's end.
    assert entry.offer_expires_at == start + dt.timedelta(minutes=20)
    assert Booking.objects.get(slot=slot, resident=other_resident).status == Booking.Status.NO_SHOW
    assert_books_balance(slot)


def test_waiting_entries_of_an_ended_slot_expire(full_court, resident):
    entry = join(resident, full_court)
    services.expire_offers(now=full_court.ends_at)
    entry.refresh_from_db()
    assert (entry.status, entry.closed_reason) == (Status.EXPIRED, "slot_ended")


def test_someone_elses_entry_is_not_found(full_court, resident, other_resident):
    entry = join(resident, full_court)
    for action in (services.accept_offer, services.decline_offer, services.withdraw_entry):
        with pytest.raises(EntryNotFoundError):
            action(entry_id=entry.pk, user=other_resident)


def test_a_finished_entry_cannot_be_withdrawn(full_court, other_resident, run_after_commit):
    (entry,) = line_up(full_court, 1)
    first = entry.resident
    cancel_booking_of(other_resident, full_court)
    services.accept_offer(entry_id=entry.pk, user=first)
    with pytest.raises(NotLiveError):
        services.withdraw_entry(entry_id=entry.pk, user=first)
    with pytest.raises(NotOfferedError):
        services.decline_offer(entry_id=entry.pk, user=first)


def test_withdrawing_an_offer_releases_its_hold(full_court, other_resident, run_after_commit):
    (entry,) = line_up(full_court, 1)
    cancel_booking_of(other_resident, full_court)
    services.withdraw_entry(entry_id=entry.pk, user=entry.resident)
    entry.refresh_from_db()
    assert entry.status == Status.WITHDRAWN
    assert entry.booking.status == Booking.Status.CANCELLED
    assert_books_balance(full_court)


def test_an_offer_paid_on_the_pay_page_is_accepted_even_past_its_expiry(
    full_court, other_resident, run_after_commit
):
    (entry,) = line_up(full_court, 1)
    cancel_booking_of(other_resident, full_court)
    entry.refresh_from_db()
    # As the payment path confirms a paid hold (here: the row as it leaves it).
    Booking.objects.filter(pk=entry.booking_id).update(
        status=Booking.Status.CONFIRMED, confirmed_at=timezone.now(), hold_expires_at=None
    )
    assert services.expire_offers(now=entry.offer_expires_at) == 0
    entry.refresh_from_db()
    assert (entry.status, entry.closed_reason) == (Status.ACCEPTED, "paid")
    assert services.accept_offer(entry_id=entry.pk, user=entry.resident).pk == entry.booking_id
    assert_books_balance(full_court)
