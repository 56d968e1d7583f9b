"""Ballot races on real PostgreSQL connections (one per thread, released together)."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from allocation import selectors, services
from allocation.exceptions import BallotClosedError
from allocation.models import BallotEntry, BallotRound
from booking.models import Booking
from tests.allocation.conftest import make_ballot
from tests.concurrency.helpers import kinds, race
from tests.factories import UserFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_two_draws_at_once_make_one_outcome(venue):
    b = make_ballot(venue)
    for i in range(20):
        services.enter_ballot(
            round_id=b.round.pk,
            resident=UserFactory(username=f"d{i}"),
            choices=[b.courts[i % 2].pk, b.floor.pk],
            party_size=1 + i % 2,
            now=b.now,
        )

    def draw():  # type: ignore[no-untyped-def]
        return services.draw_round(round_id=b.round.pk, now=b.after_close).drawn_now

    outcomes = race([draw, draw, draw])
    assert sorted(outcomes) == [False, False, True], outcomes
    results = selectors.get_results(round_id=b.round.pk)
    winners = [e for e in results["entries"] if e["won_slot"] is not None]
    assert Booking.objects.count() == len(winners) > 0
    assert not BallotEntry.objects.filter(BallotEntry.outcome_is("entered")).exists()


def test_entries_racing_the_close_are_drawn_or_refused_ballot_closed(venue):
    b = make_ballot(venue)
    people = [UserFactory(username=f"e{i}") for i in range(50)]
    # The round closes half a second from now, on the real clock; 50 residents enter over a
    # second around it while the draw starts at the close, on 20 connections.
    closes_at = timezone.now() + dt.timedelta(seconds=0.5)
    BallotRound.objects.filter(pk=b.round.pk).update(closes_at=closes_at, draws_at=closes_at)
    started = time.monotonic()

    def enter(person, at):  # type: ignore[no-untyped-def]
        def task():  # type: ignore[no-untyped-def]
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            return services.enter_ballot(
                round_id=b.round.pk, resident=person, choices=[b.floor.pk, b.courts[0].pk]
            )

        return task

    def draw():  # type: ignore[no-untyped-def]
        time.sleep(max(0.0, (closes_at - timezone.now()).total_seconds()))
        return services.draw_round(round_id=b.round.pk)

    tasks = [draw, *(enter(p, i * 0.02) for i, p in enumerate(people))]
    outcomes = race(tasks, workers=20)
    counts = kinds(outcomes)
    assert counts.get("DrawOutcome") == 1, counts
    assert counts.get("BallotEntry", 0) + counts.get("BallotClosedError", 0) == 50, counts
    assert counts.get("BallotEntry") and counts.get("BallotClosedError"), counts
    drawn = {e["ticket"] for e in selectors.get_results(round_id=b.round.pk)["entries"]}
    for person, outcome in zip(people, outcomes[1:], strict=True):
        rows = list(BallotEntry.objects.filter(round=b.round, resident=person))
        if isinstance(outcome, BallotClosedError):
            assert rows == []
        else:
            assert isinstance(outcome, BallotEntry), outcome
            [row] = rows
            assert row.outcome in ("won", "lost") and row.ticket in drawn
    assert not BallotEntry.objects.filter(BallotEntry.outcome_is("entered")).exists()
