"""Demo ballot rounds for `manage.py load_ballot_demo` (after `load_demo`): one open now and
one already drawn, at the demo sports centre, so that a newcomer sees both."""

import datetime as dt
from io import TextIOBase

from django.contrib.auth import get_user_model
from django.utils import timezone

from allocation import services
from allocation.exceptions import InvalidRoundError
from allocation.models import BallotRound
from booking import rules
from booking.models import Slot
from venues.models import Venue

VENUE = "demo-luohu-sports-centre"
ENTRANTS = ("demo", "demo2", "organiser", "admin")


def load(*, stdout: TextIOBase, now: dt.datetime | None = None) -> list[BallotRound]:
    """Make (once) the open round three days ahead and the drawn round two days ahead."""
    now = now or timezone.now()
    venue = Venue.objects.filter(slug=VENUE).first()
    if venue is None:
        stdout.write("No demo venue: run `manage.py load_demo` first.\n")
        return []
    today = rules.local_date(now)
    rounds = []
    open_day, drawn_day = today + dt.timedelta(days=3), today + dt.timedelta(days=2)
    opened = _round(venue, day=open_day, now=now, drawn=False)
    drawn = _round(venue, day=drawn_day, now=now, drawn=True)
    for ballot, label in ((opened, "open"), (drawn, "drawn")):
        if ballot is not None:
            rounds.append(ballot)
            stdout.write(
                f"Ballot round {ballot.pk} ({label}) for {ballot.date}: /ballots/{ballot.pk}/\n"
            )
    return rounds


def _round(venue: Venue, *, day: dt.date, now: dt.datetime, drawn: bool) -> BallotRound | None:
    existing = BallotRound.objects.filter(venue=venue, date=day, by_policy=False).first()
    if existing is not None:
        return existing
    start, _end = rules.day_bounds(day)
    slots = list(
        Slot.objects.filter(
            venue=venue,
            starts_at__gte=start + dt.timedelta(hours=18),
            starts_at__lt=start + dt.timedelta(hours=21),
            is_closed=False,
        ).order_by("price", "starts_at", "resource_id")[:8]
    )
    if not slots:
        return None
    if drawn:
        made_at = now - dt.timedelta(hours=4)
        times = {
            "opens_at": now - dt.timedelta(hours=3),
            "closes_at": now - dt.timedelta(hours=1),
            "draws_at": now - dt.timedelta(hours=1),
        }
    else:
        made_at = now
        times = {
            "opens_at": now - dt.timedelta(hours=1),
            "closes_at": now + dt.timedelta(days=1),
            "draws_at": now + dt.timedelta(days=1),
        }
    releases_at = min(
        slots[0].starts_at - dt.timedelta(hours=2), times["draws_at"] + dt.timedelta(days=1)
    )
    try:
        ballot = services.create_round(
            venue_id=venue.pk,
            slot_ids=[s.pk for s in slots],
            opens_at=times["opens_at"],
            closes_at=times["closes_at"],
            draws_at=times["draws_at"],
            releases_at=releases_at,
            now=made_at,
        )
    except InvalidRoundError:
        return None  # e.g. its slots are in another round already
    if drawn:
        users = get_user_model().objects.filter(username__in=ENTRANTS)
        for i, user in enumerate(users):
            services.enter_ballot(
                round_id=ballot.pk,
                resident=user,
                choices=[s.pk for s in slots[i % 2 : i % 2 + 3]],
                now=times["opens_at"] + dt.timedelta(minutes=5),
            )
        services.draw_round(round_id=ballot.pk, now=times["closes_at"] + dt.timedelta(minutes=1))
        ballot.refresh_from_db()
    return ballot
