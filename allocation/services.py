"""Writes of the allocation app, and the scheduler's tick that runs them on time.

By concern: rounds and their timetable (`allocation.rounds`), residents' entries
(`allocation.entries`), the draw (`allocation.drawing`, over the pure algorithm v1 in
`allocation.draw`). Callers import every write from here.

Lock order: round row, then entry rows, then (in the draw, through booking) slot rows. An
entry write holds the round row `FOR SHARE` and re-checks that the round is undrawn; the draw
holds it `FOR UPDATE`: an entry either commits before the draw reads the entries (and is in
it) or sees the round drawn (and is refused `ballot_closed`). Two draws of one round queue on
the row: the second finds it drawn and returns the same outcome.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone

from allocation.drawing import DrawOutcome, draw_round
from allocation.entries import change_entry, enter_ballot, withdraw_entry
from allocation.exceptions import InvalidRoundError
from allocation.models import BallotRound
from allocation.rounds import create_round, policy_timetable, slots_held_by_rounds
from booking import rules
from booking.models import Slot
from venues.models import Venue
from venues.policies import policy_for

__all__ = [
    "DrawOutcome",
    "SchedulerRun",
    "change_entry",
    "create_round",
    "create_rounds_from_policies",
    "draw_round",
    "enter_ballot",
    "policy_timetable",
    "run_ballots",
    "withdraw_entry",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerRun:
    created: int
    drawn: int
    released: int


def run_ballots(*, now: dt.datetime | None = None) -> SchedulerRun:
    """One tick of the scheduler: make the rounds the policies call for, draw the rounds due,
    mark released the rounds whose leftovers went first-come. Safe to run anywhere at once:
    each step is idempotent and locks what it changes.
    """
    now = now or timezone.now()
    created = create_rounds_from_policies(now=now)
    drawn = 0
    for round_id in BallotRound.objects.filter(
        drawn_at__isnull=True, draws_at__lte=now
    ).values_list("pk", flat=True):
        try:
            if draw_round(round_id=round_id, now=now).drawn_now:
                drawn += 1
        except Exception:  # one broken round must not stop the others
            logger.exception("drawing ballot round %s failed", round_id)
    released = BallotRound.objects.filter(
        drawn_at__isnull=False, released_at__isnull=True, releases_at__lte=now
    ).update(released_at=now)
    return SchedulerRun(created=created, drawn=drawn, released=released)


def create_rounds_from_policies(*, now: dt.datetime | None = None) -> int:
    """Make the round of each play date whose ballot opens within a day, at each venue with
    balloted opening rules, over the slots of those rules; returns how many were made.

    A date whose round would already be closed gets none (its slots stay first-come), nor
    does a date without slots yet. One round per venue and date (a unique constraint).
    """
    now = now or timezone.now()
    today = rules.local_date(now)
    made = 0
    venues = Venue.objects.filter(
        is_active=True, resources__opening_rules__balloted=True
    ).distinct()
    for venue in venues.select_related("policy"):
        policy = policy_for(venue)
        for ahead in range(policy.ballot_open_days + 2):
            day = today + dt.timedelta(days=ahead)
            times = policy_timetable(policy=policy, day=day)
            if times["closes_at"] <= now or times["opens_at"] > now + dt.timedelta(days=1):
                continue
            if BallotRound.objects.filter(venue=venue, date=day, by_policy=True).exists():
                continue
            day_start, day_end = rules.day_bounds(day)
            slot_ids = list(
                Slot.objects.filter(
                    venue=venue,
                    rule__balloted=True,
                    starts_at__gte=day_start,
                    starts_at__lt=day_end,
                    is_closed=False,
                )
                .exclude(pk__in=slots_held_by_rounds(now))
                .values_list("pk", flat=True)
            )
            if not slot_ids:
                continue
            try:
                create_round(
                    venue_id=venue.pk,
                    slot_ids=slot_ids,
                    **times,
                    max_choices=policy.ballot_max_choices,
                    by_policy=True,
                    now=now,
                )
                made += 1
            except (IntegrityError, InvalidRoundError) as exc:  # another scheduler was first
                logger.info("no ballot round for venue %s on %s: %s", venue.pk, day, exc)
    return made
