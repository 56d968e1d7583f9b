"""The waiting list under races, with real threads and one PostgreSQL connection each:
cancellations, offer accepts, offer expiry and direct bookings at the same moment on one slot
never oversell it and never leave a place held by nobody."""

import datetime as dt
import time
from collections.abc import Callable

import pytest
from django.db.models import Sum
from django.utils import timezone

from booking import services as booking_services
from booking.exceptions import SlotUnavailableError
from booking.models import Booking, Slot
from tests.concurrency.helpers import race
from tests.factories import SlotFactory, UserFactory
from waitlist import services
from waitlist.exceptions import NotOfferedError, OfferExpiredError, WaitlistFirstError
from waitlist.models import WaitlistEntry

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]
Status = WaitlistEntry.Status


def residents(count: int, prefix: str) -> list:  # type: ignore[type-arg]
    return [UserFactory(username=f"{prefix}{n}") for n in range(count)]


def fill(slot: Slot, holders: list) -> list[Booking]:  # type: ignore[type-arg]
    """Each holder books one place of the slot (before the race)."""
    return [booking_services.place_booking(resident=h, slot_id=slot.pk).booking for h in holders]


def line_up(slot: Slot, waiters: list) -> list[WaitlistEntry]:  # type: ignore[type-arg]
    """The waiters queue for the slot, parties of one and two in turn (before the race)."""
    return [
        services.join_waitlist(resident=r, slot_id=slot.pk, party_size=1 + n % 2)
        for n, r in enumerate(waiters)
    ]


def canceller(booking: Booking):  # type: ignore[no-untyped-def]
    return lambda: booking_services.cancel_booking(booking_id=booking.pk, by_user=booking.resident)


def direct_booker(resident, slot_id: int, tries: int = 5):  # type: ignore[no-untyped-def]
    def attempt() -> object:
        for _ in range(tries):
            try:
                return booking_services.place_booking(resident=resident, slot_id=slot_id)
            except (SlotUnavailableError, WaitlistFirstError):
                # Full, or its freed places are about to be offered to the line: try again.
                time.sleep(0.01)
        return "refused"

    return attempt


def acceptor(entry: WaitlistEntry, tries: int = 40):  # type: ignore[no-untyped-def]
    """A resident who keeps looking at their phone and taps accept once an offer shows."""

    def attempt() -> object:
        for _ in range(tries):
            try:
                return services.accept_offer(entry_id=entry.pk, user=entry.resident)
            except NotOfferedError:
                time.sleep(0.01)
            except OfferExpiredError:
                return "expired"
        return "no offer"

    return attempt


def expiring_sweep(after: dt.timedelta):  # type: ignore[no-untyped-def]
    """The beat sweep, run as if `after` had passed: every open offer is past its expiry."""
    return lambda: services.expire_offers(now=timezone.now() + after)


def cancellations_and_accepts(
    bookings: list[Booking], entries: list[WaitlistEntry], *, sweeps: int
) -> list[Callable[[], object]]:
    """The race's regulars: each booking cancelled, each entry's resident waiting to accept,
    and `sweeps` beat sweeps that expire every open offer (as if 16 minutes had passed)."""
    return (
        [canceller(b) for b in bookings]
        + [acceptor(e) for e in entries]
        + [expiring_sweep(dt.timedelta(minutes=16)) for _ in range(sweeps)]
    )


def assert_invariants(slot: Slot) -> None:
    slot.refresh_from_db()
    active = Booking.objects.active().filter(slot=slot)
    taken = active.aggregate(places=Sum("places"))["places"] or 0
    assert slot.places - slot.remaining == taken, "taken places != active bookings"
    assert 0 <= slot.remaining <= slot.places
    # Free slot: every hold is an offer's, and every offer holds exactly its hold.
    held = set(active.filter(status=Booking.Status.HELD).values_list("pk", flat=True))
    offered = WaitlistEntry.objects.filter(slot=slot, status=Status.OFFERED)
    assert held == set(offered.values_list("booking_id", flat=True)), "a hold held by nobody"
    for entry in WaitlistEntry.objects.filter(slot=slot, status=Status.ACCEPTED):
        assert entry.booking.status == Booking.Status.CONFIRMED
    # No freed place left free while someone in line would fit it.
    waiting = WaitlistEntry.objects.filter(slot=slot, status=Status.WAITING)
    assert not waiting.filter(places__lte=slot.remaining).exists(), "a place stranded"


def test_cancellations_accepts_expiry_and_direct_bookings_on_a_shared_slot(gym):
    slot = SlotFactory(resource=gym)  # 20 places
    bookings = fill(slot, residents(20, "holder"))
    entries = line_up(slot, residents(12, "waiter"))
    tasks = cancellations_and_accepts(bookings[:10], entries, sweeps=3) + [
        direct_booker(r, slot.pk) for r in residents(10, "walkup")
    ]
    outcomes = race(tasks, workers=len(tasks))
    assert not [
        o
        for o in outcomes
        if isinstance(o, Exception) and not isinstance(o, booking_services.BookingBusyError)
    ], outcomes
    services.expire_offers()  # the next beat: nothing left to settle but what it finds

    assert_invariants(slot)
    # Walk-ups may take a place in the moment between a cancellation's commit and its offer
    # (docs/waitlist.md, "Limits"); what they did not take went to the line.
    walkups = Booking.objects.active().filter(slot=slot, resident__username__startswith="walkup")
    to_line = WaitlistEntry.objects.filter(slot=slot, status__in=[Status.ACCEPTED, Status.OFFERED])
    freed_to_line = to_line.aggregate(places=Sum("places"))["places"] or 0
    assert walkups.count() + freed_to_line + slot.remaining == 10


def test_without_walk_ups_every_freed_place_goes_to_the_line(gym):
    slot = SlotFactory(resource=gym)  # 20 places
    bookings = fill(slot, residents(20, "holder"))
    entries = line_up(slot, residents(12, "waiter"))
    tasks = cancellations_and_accepts(bookings[:10], entries, sweeps=2)
    outcomes = race(tasks, workers=len(tasks))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    services.expire_offers()

    assert_invariants(slot)
    to_line = WaitlistEntry.objects.filter(slot=slot, status__in=[Status.ACCEPTED, Status.OFFERED])
    assert (to_line.aggregate(places=Sum("places"))["places"] or 0) + slot.remaining == 10
    assert slot.remaining <= 1  # at most one place no waiting party fits any more


def test_one_freed_court_is_never_given_twice(court):
    for round_ in range(3):
        slot = SlotFactory(
            resource=court,
            starts_at=timezone.now().replace(minute=0, second=0, microsecond=0)
            + dt.timedelta(days=1, hours=round_),
        )
        holder = UserFactory(username=f"courtholder{round_}")
        (booking,) = fill(slot, [holder])
        entries = [
            services.join_waitlist(resident=r, slot_id=slot.pk, party_size=2)
            for r in residents(3, f"courtwaiter{round_}-")
        ]
        tasks = cancellations_and_accepts([booking], entries, sweeps=1) + [
            direct_booker(r, slot.pk) for r in residents(15, f"courtwalkup{round_}-")
        ]
        race(tasks, workers=len(tasks))
        services.expire_offers()
        assert_invariants(slot)
        assert Booking.objects.active().filter(slot=slot).count() <= 1


def test_residents_queueing_while_a_place_frees_up_never_leave_it_stranded(gym):
    """Joining reads the slot under a share lock: each joiner either sees the freed place
    (`not_full`) or is in line before the give-back, whose signal then offers it. No sweep runs
    afterwards here: the signal alone must be enough."""
    slot = SlotFactory(resource=gym)  # 20 places
    bookings = fill(slot, residents(20, "holder"))
    joiners = residents(30, "joiner")

    def joiner(resident):  # type: ignore[no-untyped-def]
        return lambda: services.join_waitlist(resident=resident, slot_id=slot.pk, party_size=1)

    tasks = [canceller(b) for b in bookings[:5]] + [joiner(r) for r in joiners]
    outcomes = race(tasks, workers=len(tasks))
    unexpected = [
        o for o in outcomes if isinstance(o, Exception) and type(o).__name__ != "NotFullError"
    ]
    assert not unexpected, unexpected
    assert_invariants(slot)
    offered = WaitlistEntry.objects.filter(slot=slot, status=Status.OFFERED).count()
    assert offered + slot.remaining == 5
