import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from allocation import services
from allocation.models import BallotRound
from booking.models import Slot
from tests.factories import ResourceFactory, SlotFactory, UserFactory


@dataclass
class Ballot:
    round: BallotRound
    courts: list[Slot]  # exclusive slots (capacity 4)
    floor: Slot  # a shared slot with 6 places
    now: dt.datetime  # inside the entry window

    @property
    def after_close(self) -> dt.datetime:
        return self.round.closes_at + dt.timedelta(minutes=1)

    @property
    def after_release(self) -> dt.datetime:
        return self.round.releases_at + dt.timedelta(minutes=1)


def enter(ballot: Ballot, resident, slots, party_size=1):  # type: ignore[no-untyped-def]
    """`resident` enters `ballot` with `slots` (best first), inside its entry window."""
    return services.enter_ballot(
        round_id=ballot.round.pk,
        resident=resident,
        choices=[s.pk for s in slots],
        party_size=party_size,
        now=ballot.now,
    )


def make_ballot(venue, *, courts: int = 2, price=0, staff=None) -> Ballot:  # type: ignore[no-untyped-def]
    now = timezone.now()
    start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    court_slots = []
    for _ in range(courts):
        resource = ResourceFactory(venue=venue, exclusive=True, capacity=4)
        court_slots.append(SlotFactory(resource=resource, starts_at=start, price=price))
    floor_resource = ResourceFactory(venue=venue, exclusive=False, capacity=6)
    floor = SlotFactory(resource=floor_resource, starts_at=start, price=price)
    ballot = services.create_round(
        venue_id=venue.pk,
        slot_ids=[s.pk for s in [*court_slots, floor]],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
        draws_at=now + dt.timedelta(hours=1),
        pay_by=now + dt.timedelta(hours=5),
        releases_at=now + dt.timedelta(hours=6),
        max_choices=3,
        by_user=staff,
        now=now,
    )
    return Ballot(round=ballot, courts=court_slots, floor=floor, now=now)


@pytest.fixture
def ballot(venue) -> Ballot:  # type: ignore[no-untyped-def]
    return make_ballot(venue)


@pytest.fixture
def residents(db):  # type: ignore[no-untyped-def]
    return [UserFactory(username=f"r{i}", email=f"r{i}@example.org") for i in range(8)]
