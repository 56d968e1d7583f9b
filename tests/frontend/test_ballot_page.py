import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings

from allocation import services
from allocation.models import BallotEntry
from tests.allocation.conftest import make_ballot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_open_round_page_shows_the_timetable_and_the_entry_form(client, venue):
    b = make_ballot(venue)
    user = UserFactory(username="pager")
    client.force_login(user)
    page = client.get(f"/ballots/{b.round.pk}/")
    assert page.status_code == 200
    assert b.round.commitment in page.content.decode()
    assert 'id="ballot-form"' in page.content.decode()
    assert "报名抽签" in page.content.decode()  # zh-Hans by default (allocation/locale)


def _drawn_with_one_entry(venue):  # type: ignore[no-untyped-def]
    b = make_ballot(venue)
    services.enter_ballot(
        round_id=b.round.pk, resident=UserFactory(username="x1"), choices=[b.floor.pk], now=b.now
    )
    services.draw_round(round_id=b.round.pk, now=b.after_close + dt.timedelta(seconds=1))
    return b


def test_drawn_round_page_lists_results_and_how_to_verify(client, venue):
    b = _drawn_with_one_entry(venue)
    page = client.get(f"/ballots/{b.round.pk}/results/").content.decode()
    assert b.round.seed in page and "verify_ballot.py" in page
    assert client.get("/ballots/999999/").status_code == 404


def test_my_bookings_lists_my_ballot_entries(client, venue):
    b = make_ballot(venue)
    user = UserFactory(username="mine")
    entry = services.enter_ballot(
        round_id=b.round.pk, resident=user, choices=[b.floor.pk], now=b.now
    )
    client.force_login(user)
    page = client.get("/me/bookings/").content.decode()
    assert entry.ticket in page and f"/ballots/{b.round.pk}/" in page


def test_a_withdrawn_entry_reads_withdrawn_not_left_the_waiting_list(client, venue):
    b = make_ballot(venue)
    user = UserFactory(username="changed-mind")
    entry = services.enter_ballot(
        round_id=b.round.pk, resident=user, choices=[b.floor.pk], now=b.now
    )
    services.withdraw_entry(entry_id=entry.pk, resident=user, now=b.now)
    client.force_login(user)
    page = client.get("/me/bookings/").content.decode()
    card = page.split('id="ballot-entries"', 1)[1].split("</ul>", 1)[0]
    assert entry.ticket in card and "<strong>已撤回</strong>" in card
    assert "已退出候补" not in card  # the waiting list's word for leaving its queue


def test_results_page_links_to_the_verifier_and_the_rules_the_site_serves(client, venue):
    b = _drawn_with_one_entry(venue)
    page = client.get(f"/ballots/{b.round.pk}/results/").content.decode()
    assert 'href="/ballots/verify_ballot.py"' in page and 'href="/ballots/rules.txt"' in page

    script = client.get("/ballots/verify_ballot.py")
    assert script.status_code == 200
    assert script["Content-Disposition"] == 'attachment; filename="verify_ballot.py"'
    assert script.content == (settings.BASE_DIR / "scripts/verify_ballot.py").read_bytes()
    rules = client.get("/ballots/rules.txt")
    assert rules["Content-Type"] == "text/plain; charset=utf-8"
    assert rules.content == (settings.BASE_DIR / "docs/ballots.md").read_bytes()
    assert client.post("/ballots/rules.txt").status_code in {403, 405}  # read-only


def test_a_winner_s_card_names_the_slot_and_links_to_paying_while_held(client, venue):
    b = make_ballot(venue, price=Decimal("30.00"))
    user = UserFactory(username="winner")
    services.enter_ballot(round_id=b.round.pk, resident=user, choices=[b.courts[0].pk], now=b.now)
    services.draw_round(round_id=b.round.pk, now=b.after_close + dt.timedelta(seconds=1))
    entry = BallotEntry.objects.get(resident=user)
    assert entry.status == "won" and entry.booking.status == "held"
    client.force_login(user)
    page = client.get("/me/bookings/").content.decode()
    card = page.split('id="ballot-entries"', 1)[1].split("</ul>", 1)[0]
    assert b.courts[0].resource.name in card
    assert f'href="/bookings/{entry.booking_id}/pay/"' in card
