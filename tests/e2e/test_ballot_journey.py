"""A resident finds a ballot slot on the venue grid, enters the round with ranked choices and a
party size, sees the entry in 我的预约, changes it and withdraws it; after the draw the public
results page shows the results and how to check them (and the check passes), the winner finds
the win and its booking in 我的预约, the loser "not drawn" (issue 16). On a phone in Chinese and
on a desktop in English."""

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from allocation import services as allocation
from allocation.models import BallotEntry, BallotRound
from booking.models import Booking, Slot
from tests.e2e.conftest import at, sign_in, today
from tests.e2e.devices import each_device
from tests.e2e.pages import (
    assert_fits_the_window,
    click_for_answer,
    court_slot,
    device_page,
    venue_with_policy,
)
from tests.factories import SlotFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VERIFIER = Path(__file__).resolve().parents[2] / "scripts" / "verify_ballot.py"

ZH = {
    "venue": "罗湖网球中心（演示）",
    "court1": "网球1号场",
    "court2": "网球2号场",
    "open": "报名中",
    "drawn": "已开奖",
    "enter": "报名抽签",
    "change": "修改我的报名",
    "withdraw": "撤回报名",
    "entered": "已报名",
    # The shared msgid "Withdrawn" reads "已退出候补" (left the waiting list) here: not checked.
    "withdrawn": None,
    "won": "中签",
    "lost": "未中签",
    "results": "抽签结果",
    "verify": "自行核验本次抽签",
    "confirmed": "已确认",
    "duplicate": "志愿不能重复",
}
EN = {
    "venue": "Luohu Tennis Centre (demo)",
    "court1": "Tennis court 1",
    "court2": "Tennis court 2",
    "open": "Open for entries",
    "drawn": "Drawn",
    "enter": "Enter the ballot",
    "change": "Change my entry",
    "withdraw": "Withdraw",
    "entered": "Entered",
    "withdrawn": "Withdrawn",
    "won": "Won",
    "lost": "Not drawn",
    "results": "Results",
    "verify": "Check this draw yourself",
    "confirmed": "Confirmed",
    "duplicate": "Each slot may be chosen once",
}
# The round's timetable in hours from now: open for entries now.
TIMETABLE = {"opens_at": -1, "closes_at": 1, "draws_at": 1, "pay_by": 5, "releases_at": 6}


@dataclass
class Ballot:
    round: BallotRound
    court1_19: Slot
    court2_19: Slot
    court1_20: Slot


@pytest.fixture
def ballot() -> Ballot:
    """A round open now over three exclusive one-hour slots of a day three days ahead."""
    venue = venue_with_policy(name_zh=ZH["venue"], name_en=EN["venue"])
    day = today() + dt.timedelta(days=3)
    court1_19 = court_slot(venue, at(day, 19), name_zh=ZH["court1"], name_en=EN["court1"])
    court2_19 = court_slot(venue, at(day, 19), name_zh=ZH["court2"], name_en=EN["court2"])
    court1_20 = SlotFactory(resource=court1_19.resource, starts_at=at(day, 20))
    now = timezone.now()
    round_ = allocation.create_round(
        venue_id=venue.pk,
        slot_ids=[court1_19.pk, court2_19.pk, court1_20.pk],
        max_choices=3,
        **{moment: now + dt.timedelta(hours=h) for moment, h in TIMETABLE.items()},
    )
    return Ballot(round=round_, court1_19=court1_19, court2_19=court2_19, court1_20=court1_20)


@each_device(ZH, EN)
def test_resident_enters_a_ballot_with_ranked_choices_changes_and_withdraws_the_entry(
    browser, live_server, ballot, device, text
):
    alice = UserFactory(username="alice")
    base = live_server.url
    round_ = ballot.round
    entries = rf"/api/v1/ballots/{round_.pk}/entries/"
    with device_page(browser, device) as page:
        sign_in(page, base, "alice")

        # The grid marks the ballot slots; one leads to the round's page.
        page.goto(f"{base}/venues/{round_.venue_id}/?day={round_.date.isoformat()}")
        marked = page.locator("a.slot.ballot")
        expect(marked).to_have_count(3)
        expect(page.locator("button.slot")).to_have_count(0)  # none bookable first-come
        page.locator(f'a.slot.ballot[data-slot="{ballot.court1_20.pk}"]').click()
        page.wait_for_url(f"{base}/ballots/{round_.pk}/")
        expect(page.locator("h1")).to_contain_text(text["venue"])
        expect(page.locator("#ballot-status")).to_have_text(text["open"])
        expect(page.locator("#ballot-form select[data-rank]")).to_have_count(3)
        assert_fits_the_window(page, device)

        # One slot chosen twice is refused, with the reason.
        page.locator("#ballot-choice-1").select_option(label=f"{text['court1']} 20:00–21:00")
        page.locator("#ballot-choice-2").select_option(label=f"{text['court1']} 20:00–21:00")
        enter = page.get_by_role("button", name=text["enter"])
        assert click_for_answer(page, enter, "POST", entries).status == 400
        expect(page.locator("#ballot-message")).to_contain_text(text["duplicate"])
        assert not BallotEntry.objects.filter(round=round_).exists()

        # Enter: court 1 at 20:00 first, court 2 at 19:00 second (not the page's order), two
        # players.
        page.locator("#ballot-choice-2").select_option(label=f"{text['court2']} 19:00–20:00")
        page.fill("#ballot-party", "2")
        assert click_for_answer(page, enter, "POST", entries).status == 201
        entry = BallotEntry.objects.get(round=round_, resident=alice)
        assert (entry.choices, entry.party_size, entry.status) == (
            [ballot.court1_20.pk, ballot.court2_19.pk],
            2,
            BallotEntry.Status.ENTERED,
        )
        # The page comes back with the entry: its ticket, its choices in order, to change.
        expect(page.get_by_role("button", name=text["change"])).to_be_visible()
        expect(page.locator("#ballot-form code")).to_have_text(entry.ticket)
        expect(page.locator("#ballot-choice-1")).to_have_value(str(ballot.court1_20.pk))
        expect(page.locator("#ballot-choice-2")).to_have_value(str(ballot.court2_19.pk))
        expect(page.locator("#ballot-choice-3")).to_have_value("")
        expect(page.locator("#ballot-party")).to_have_value("2")

        # 我的预约 lists the entry with its ticket, as entered, and links back to the round.
        page.goto(f"{base}/me/bookings/")
        card = page.locator("#ballot-entries li", has_text=entry.ticket)
        expect(card).to_contain_text(text["venue"])
        expect(card.locator("strong")).to_have_text(text["entered"])
        expect(card.locator("time")).to_have_count(1)  # when the draw is
        card.get_by_role("link").click()
        page.wait_for_url(f"{base}/ballots/{round_.pk}/")

        # Change: court 2 at 19:00 only, alone.
        page.locator("#ballot-choice-1").select_option(str(ballot.court2_19.pk))
        page.locator("#ballot-choice-2").select_option("")
        page.fill("#ballot-party", "1")
        change = page.get_by_role("button", name=text["change"])
        answer = click_for_answer(page, change, "PATCH", rf"/api/v1/ballot-entries/{entry.pk}/")
        assert answer.status == 200
        expect(page.locator("#ballot-choice-2")).to_have_value("")
        expect(page.locator("#ballot-choice-1")).to_have_value(str(ballot.court2_19.pk))
        expect(page.locator("#ballot-party")).to_have_value("1")
        entry.refresh_from_db()
        assert (entry.choices, entry.party_size) == ([ballot.court2_19.pk], 1)

        # Withdraw: the form offers a new entry again, and 我的预约 shows the withdrawal.
        withdraw = page.get_by_role("button", name=text["withdraw"])
        answer = click_for_answer(
            page, withdraw, "POST", rf"/api/v1/ballot-entries/{entry.pk}/withdraw/"
        )
        assert answer.status == 200
        expect(page.get_by_role("button", name=text["enter"])).to_be_visible()
        expect(page.locator("#ballot-form code")).to_have_count(0)
        expect(page.locator("#ballot-choice-1")).to_have_value("")
        entry.refresh_from_db()
        assert entry.status == BallotEntry.Status.WITHDRAWN
        page.goto(f"{base}/me/bookings/")
        card = page.locator("#ballot-entries li", has_text=entry.ticket)
        expect(card.locator("strong")).not_to_have_text(text["entered"])
        if text["withdrawn"]:
            expect(card.locator("strong")).to_have_text(text["withdrawn"])
        expect(card.locator("time")).to_have_count(0)


@each_device(ZH, EN)
def test_after_the_draw_the_results_can_be_checked_and_winner_and_loser_see_their_outcome(
    browser, live_server, ballot, device, text
):
    base = live_server.url
    round_ = ballot.round
    contenders = [UserFactory(username="alice"), UserFactory(username="bob")]
    for resident in contenders:  # one court for two: one wins it, the other loses
        allocation.enter_ballot(
            round_id=round_.pk, resident=resident, choices=[ballot.court1_19.pk]
        )
    # Entries close; the draw runs as the scheduler runs it at `draws_at`.
    closed = timezone.now() - dt.timedelta(seconds=1)
    BallotRound.objects.filter(pk=round_.pk).update(closes_at=closed, draws_at=closed)
    assert allocation.draw_round(round_id=round_.pk).drawn_now
    won = BallotEntry.objects.get(round=round_, status=BallotEntry.Status.WON)
    lost = BallotEntry.objects.get(BallotEntry.outcome_is(BallotEntry.Status.LOST), round=round_)
    assert won.won_slot_id == ballot.court1_19.pk
    booking = Booking.objects.get(resident=won.resident, slot=ballot.court1_19)
    assert booking.status == Booking.Status.CONFIRMED  # a free slot
    assert not Booking.objects.filter(resident=lost.resident).exists()
    round_.refresh_from_db()

    with device_page(browser, device) as page:
        # The public results page, for anyone: the seed, the tickets and what each won.
        page.goto(f"{base}/ballots/{round_.pk}/results/")
        expect(page.locator("#ballot-status")).to_have_text(text["drawn"])
        results = page.locator("section", has=page.get_by_role("heading", name=text["results"]))
        expect(page.locator("#ballot-seed")).to_have_value(round_.seed)
        expect(page.locator("#ballot-commitment")).to_have_value(round_.commitment)
        rows = results.locator("tbody tr")
        expect(rows).to_have_count(2)
        for entry, won_slot in ((won, str(ballot.court1_19.pk)), (lost, "—")):
            row = rows.filter(has_text=entry.ticket)
            expect(row.locator("td").nth(2)).to_have_text(str(ballot.court1_19.pk))
            expect(row.locator("td").nth(4)).to_have_text(won_slot)
        expect(page.locator("#ballot-form")).to_have_count(0)
        assert_fits_the_window(page, device)

        # The instructions check out: the command shown, run as shown, says the draw matches.
        expect(results.get_by_role("heading", name=text["verify"])).to_be_visible()
        api = f"/api/v1/ballots/{round_.pk}/results/"
        command = page.locator("#ballot-verify")
        expect(command).to_have_text(f"python3 verify_ballot.py {base}{api}")
        expect(results.locator(f'a[href="{api}"]')).to_be_visible()
        script, url = command.inner_text().split()[1:]
        assert script == VERIFIER.name
        check = subprocess.run(
            [sys.executable, str(VERIFIER), url], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.startswith("OK")

        # The winner: won in 我的预约, with the booking among the upcoming ones; their row is
        # marked on the results.
        sign_in(page, base, won.resident.username)
        page.goto(f"{base}/me/bookings/")
        card = page.locator("#ballot-entries li", has_text=won.ticket)
        expect(card.locator("strong")).to_have_text(text["won"])
        item = page.locator(f"#upcoming #booking-{booking.pk}")
        expect(item).to_contain_text(text["court1"])
        expect(item.locator('[data-role="status"]')).to_have_text(text["confirmed"])
        page.goto(f"{base}/ballots/{round_.pk}/")
        expect(page.locator("tbody tr.mine")).to_contain_text(won.ticket)
        page.context.clear_cookies()

        # The loser: not drawn, and no booking.
        sign_in(page, base, lost.resident.username)
        page.goto(f"{base}/me/bookings/")
        card = page.locator("#ballot-entries li", has_text=lost.ticket)
        expect(card.locator("strong")).to_have_text(text["lost"])
        expect(page.locator("#upcoming .booking")).to_have_count(0)
