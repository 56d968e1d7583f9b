import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from allocation import services
from allocation.models import BallotRound
from booking import rules
from tests.factories import OpeningRuleFactory, ResourceFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def balloted_day(venue, *, days_ahead: int, balloted: bool = True):  # type: ignore[no-untyped-def]
    """A court whose 19:00-21:00 rule on that day is balloted, with its slots generated."""
    day = rules.local_date(timezone.now()) + dt.timedelta(days=days_ahead)
    court = ResourceFactory(venue=venue)
    rule = OpeningRuleFactory(
        resource=court,
        weekday=day.weekday(),
        opens_at=dt.time(19),
        closes_at=dt.time(21),
        balloted=balloted,
    )
    slots = [
        SlotFactory(
            resource=court,
            rule=rule,
            starts_at=dt.datetime.combine(day, dt.time(hour), tzinfo=rules.local_tz()),
        )
        for hour in (19, 20)
    ]
    return day, slots


def test_no_round_without_balloted_rules(venue):
    balloted_day(venue, days_ahead=14, balloted=False)
    assert services.run_ballots().created == 0


def test_scheduler_makes_the_round_from_the_policy_timetable_once(venue):
    policy = venue.policy
    day, slots = balloted_day(venue, days_ahead=14)
    # Just after the policy's opening time, D-14 12:00 local.
    now = dt.datetime.combine(day - dt.timedelta(days=14), dt.time(12, 5), tzinfo=rules.local_tz())
    first = services.run_ballots(now=now)
    second = services.run_ballots(now=now)
    assert (first.created, second.created) == (1, 0)
    [ballot] = BallotRound.objects.all()
    assert ballot.by_policy and ballot.date == day
    assert sorted(s.pk for s in ballot.slots.all()) == sorted(s.pk for s in slots)
    local = {
        k: getattr(ballot, k).astimezone(rules.local_tz())
        for k in ("opens_at", "closes_at", "draws_at", "pay_by", "releases_at")
    }
    assert local["opens_at"].replace(tzinfo=None) == dt.datetime.combine(
        day - dt.timedelta(days=14), dt.time(12)
    )
    assert local["closes_at"] - local["opens_at"] == dt.timedelta(hours=24)
    assert local["draws_at"].replace(tzinfo=None) == dt.datetime.combine(
        day - dt.timedelta(days=13), dt.time(12)
    )
    assert local["pay_by"].replace(tzinfo=None) == dt.datetime.combine(
        day - dt.timedelta(days=13), dt.time(23, 59)
    )
    assert local["releases_at"].replace(tzinfo=None) == dt.datetime.combine(
        day - dt.timedelta(days=12), dt.time(12)
    )
    assert ballot.max_choices == policy.ballot_max_choices
    assert ballot.status_at(now) == "open"


def test_scheduler_draws_due_rounds_and_marks_released_ones(venue):
    day, slots = balloted_day(venue, days_ahead=14)
    opening = dt.datetime.combine(
        day - dt.timedelta(days=14), dt.time(12, 5), tzinfo=rules.local_tz()
    )
    services.run_ballots(now=opening)
    ballot = BallotRound.objects.get()
    services.enter_ballot(
        round_id=ballot.pk, resident=UserFactory(), choices=[slots[0].pk], now=opening
    )
    early = ballot.draws_at - dt.timedelta(minutes=1)
    assert services.run_ballots(now=early).drawn == 0  # not yet draws_at
    drawn = services.run_ballots(now=ballot.draws_at)
    assert drawn.drawn == 1 and drawn.released == 0
    released = services.run_ballots(now=ballot.releases_at)
    assert released.released == 1
    ballot.refresh_from_db()
    assert ballot.drawn_at == ballot.draws_at and ballot.released_at == ballot.releases_at


def test_management_command_and_task_run_a_tick(venue, capsys):
    call_command("run_ballots")
    assert "ballot rounds:" in capsys.readouterr().out
    from allocation.tasks import run_ballots

    assert run_ballots() == {"created": 0, "drawn": 0, "released": 0}
