"""A drawn round's plain losers keep their row as it was (the draw writes only the entries
with something to say), yet read as lost everywhere; and the round's result mails are owed
by one notice that a sweep fans out into one per entry."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from allocation import selectors, services
from allocation.models import BallotEntry, BallotRound
from allocation.notifications import fan_out
from common import notices
from common.models import Notice
from scripts import verify_ballot
from tests.allocation.conftest import Ballot, enter, make_ballot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def four_for_one_court(ballot: Ballot, residents) -> list[BallotEntry]:  # type: ignore[no-untyped-def]
    """Four residents who want only the first court: one wins it, three lose in tier 0."""
    return [enter(ballot, r, [ballot.courts[0]]) for r in residents[:4]]


def test_a_plain_loser_keeps_its_row_and_reads_as_lost_in_tier_0(ballot, residents):
    entries = four_for_one_court(ballot, residents)
    before = {e.pk: e.updated_at for e in entries}
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    rows = list(BallotEntry.objects.filter(round=ballot.round).select_related("round"))
    losers = [e for e in rows if e.won_slot_id is None]
    assert len(losers) == 3
    for e in losers:
        # Not written by the draw...
        assert (e.status, e.tier, e.drawn_choices) == ("entered", None, None)
        assert e.updated_at == before[e.pk]
        # ...and lost, in tier 0, with all its choices, wherever it is read.
        assert (e.outcome, e.drawn_tier) == ("lost", 0)
    published = {e["ticket"]: e for e in selectors.get_results(round_id=ballot.round.pk)["entries"]}
    for e in losers:
        assert published[e.ticket] == {
            "ticket": e.ticket,
            "tier": 0,
            "choices": [ballot.courts[0].pk],
            "party_size": 1,
            "won_slot": None,
        }
    assert verify_ballot.verify(selectors.get_results(round_id=ballot.round.pk)) == []


def test_an_entry_reads_as_entered_until_its_round_is_drawn(ballot, residents):
    entry = enter(ballot, residents[0], [ballot.floor])
    row = BallotEntry.objects.select_related("round").get(pk=entry.pk)
    assert (row.outcome, row.drawn_tier) == ("entered", None)
    # Closed but not drawn yet: still entered.
    BallotRound.objects.filter(pk=ballot.round.pk).update(
        closes_at=ballot.now - dt.timedelta(seconds=1),
        draws_at=ballot.now - dt.timedelta(seconds=1),
    )
    row = BallotEntry.objects.select_related("round").get(pk=entry.pk)
    assert row.outcome == "entered"


def test_the_outcome_filter_agrees_with_the_outcome_of_every_entry(ballot, venue, residents):
    four_for_one_court(ballot, residents)
    withdrawn = enter(ballot, residents[4], [ballot.floor])
    services.withdraw_entry(entry_id=withdrawn.pk, resident=residents[4], now=ballot.now)
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    undrawn = make_ballot(venue)
    enter(undrawn, residents[5], [undrawn.floor])
    everyone = list(BallotEntry.objects.select_related("round"))
    seen = set()
    for outcome in BallotEntry.Status.values:
        matched = set(
            BallotEntry.objects.filter(BallotEntry.outcome_is(outcome)).values_list("pk", flat=True)
        )
        assert matched == {e.pk for e in everyone if e.outcome == outcome}, outcome
        seen |= {outcome} if matched else set()
    assert seen == {"entered", "withdrawn", "won", "lost"}


def test_the_api_and_the_admin_show_a_plain_loser_as_lost(ballot, residents, client, admin_client):
    four_for_one_court(ballot, residents)
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    statuses = []
    for r in residents[:4]:
        client.force_login(r)
        [mine] = client.get("/api/v1/ballot-entries/").json()["results"]
        statuses.append((mine["status"], mine["tier"]))
    assert sorted(statuses) == [("lost", 0), ("lost", 0), ("lost", 0), ("won", 0)]
    page = admin_client.get("/admin/allocation/ballotentry/", {"outcome": "lost"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 3


def test_the_draw_owes_one_notice_that_fans_out_to_every_entrant(ballot, residents):
    four_for_one_court(ballot, residents)
    withdrawn = enter(ballot, residents[4], [ballot.floor])
    services.withdraw_entry(entry_id=withdrawn.pk, resident=residents[4], now=ballot.now)
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    assert list(Notice.objects.values_list("kind", "ref")) == [
        (BallotRound.RESULTS_NOTICE, ballot.round.pk)
    ]
    notices.send_due_notices(now=ballot.after_close + dt.timedelta(minutes=1))
    owed = Notice.objects.filter(kind=BallotEntry.RESULT_NOTICE)
    assert sorted(owed.values_list("ref", flat=True)) == sorted(
        BallotEntry.objects.filter(round=ballot.round)
        .exclude(pk=withdrawn.pk)
        .values_list("pk", flat=True)
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in residents[:4])
    subjects = sorted(m.subject.split(" ", 1)[0] for m in mail.outbox)
    assert subjects == ["抽签中签", "抽签结果", "抽签结果", "抽签结果"]
    # A second sweep, or the fan-out run again, sends nothing more.
    notices.send_due_notices(now=ballot.after_close + dt.timedelta(minutes=2))
    fan_out(round_id=ballot.round.pk)
    notices.send_due_notices(now=ballot.after_close + dt.timedelta(minutes=3))
    assert len(mail.outbox) == 4


def test_a_failure_mid_send_repeats_no_mail_already_sent(ballot, residents, monkeypatch):
    four_for_one_court(ballot, residents)
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    real_send = EmailMessage.send
    calls = []

    def flaky(message, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(message.to[0])
        if len(calls) == 3:
            raise ConnectionError("mail server went away")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    first = ballot.after_close + dt.timedelta(minutes=1)
    notices.send_due_notices(now=first)
    assert len(mail.outbox) == 3  # the fourth's send failed; it waits for a retry
    notices.send_due_notices(now=first + notices.BACKOFF_MAX)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in residents[:4])


def test_a_fan_out_of_a_round_not_drawn_owes_nothing(ballot, residents):
    four_for_one_court(ballot, residents)
    assert fan_out(round_id=ballot.round.pk) is False
    assert not Notice.objects.exists()


@pytest.fixture
def residents(db):  # type: ignore[no-untyped-def]
    return [UserFactory(username=f"p{i}", email=f"p{i}@example.org") for i in range(6)]
