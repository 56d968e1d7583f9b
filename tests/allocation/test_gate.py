"""The ballot's booking gate (raw SQL, asked on every booking attempt) and its slot allocator
(an ORM subquery, read by availability) state one rule: they must agree at every moment."""

import datetime as dt

import pytest

from allocation import gates, services
from booking import hooks
from booking.exceptions import AllocatedByBallotError
from booking.models import Slot
from tests.factories import SlotFactory


def _gate_refuses(slot: Slot, now: dt.datetime) -> int | None:
    try:
        hooks.check_booking_gates(slot_id=slot.pk, now=now)
    except AllocatedByBallotError as refused:
        return int(refused.extra["ballot"])
    return None


def _allocator_holds(slot: Slot, now: dt.datetime) -> int | None:
    row = Slot.objects.annotate(held_by=gates.holding_round(now)).get(pk=slot.pk)
    return row.held_by


def test_gate_and_allocator_agree_before_and_after_the_draw(ballot):
    court, free = ballot.courts[0], SlotFactory(resource=ballot.floor.resource)
    moments = [
        ballot.now,
        ballot.after_close,
        ballot.round.releases_at - dt.timedelta(seconds=1),
        ballot.after_release,
    ]
    undrawn = [(moment, _gate_refuses(court, moment)) for moment in moments]
    assert undrawn == [(moment, _allocator_holds(court, moment)) for moment in moments]
    # An undrawn round holds its slots even after releases_at.
    assert {held for _, held in undrawn} == {ballot.round.pk}

    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    drawn = [(moment, _gate_refuses(court, moment)) for moment in moments]
    assert drawn == [(moment, _allocator_holds(court, moment)) for moment in moments]
    assert [held for _, held in drawn] == [ballot.round.pk] * 3 + [None]
    # A slot in no round is never held.
    assert {_gate_refuses(free, m) for m in moments} == {_allocator_holds(free, m) for m in moments}
    assert _gate_refuses(free, ballot.now) is None


@pytest.mark.parametrize("registrations", [1, 2])
def test_registering_a_gate_again_replaces_it(registrations):
    before = dict(hooks._gates)
    try:
        for _ in range(registrations):
            hooks.register_booking_gate(gates.refuse_ballot_slot())
        assert list(hooks._gates) == list(before)
    finally:
        hooks._gates.clear()
        hooks._gates.update(before)
