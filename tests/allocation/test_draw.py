import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from allocation import selectors, services
from allocation.exceptions import BallotNotDrawnError, BallotOpenError, NotVenueStaffError
from allocation.models import BallotEntry
from booking import rules
from booking import services as booking_services
from booking.exceptions import AllocatedByBallotError
from booking.models import Booking, ResidentStanding
from common import notices
from scripts import verify_ballot
from tests.allocation.conftest import enter, make_ballot
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db


def test_drawing_before_close_is_refused(ballot):
    with pytest.raises(BallotOpenError):
        services.draw_round(round_id=ballot.round.pk, now=ballot.now)
    with pytest.raises(BallotNotDrawnError):
        selectors.get_results(round_id=ballot.round.pk)


def test_only_staff_draw_by_hand(ballot, resident):
    with pytest.raises(NotVenueStaffError):
        services.draw_round(round_id=ballot.round.pk, by_user=resident, now=ballot.after_close)


def test_exclusive_slot_takes_one_entry_and_shared_slot_takes_parties_while_room(ballot, residents):
    court = ballot.courts[0]
    for r in residents[:3]:
        enter(ballot, r, [court])  # three want one court
    for r in residents[3:7]:
        enter(ballot, r, [ballot.floor], party_size=2)  # 4 parties of 2 for 6 places
    outcome = services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    assert outcome.drawn_now
    entries = BallotEntry.objects.filter(round=ballot.round)
    court_wins = [e for e in entries if e.won_slot_id == court.pk]
    floor_wins = [e for e in entries if e.won_slot_id == ballot.floor.pk]
    assert len(court_wins) == 1 and len(floor_wins) == 3
    assert entries.filter(BallotEntry.outcome_is("lost")).count() == 3
    court.refresh_from_db()
    ballot.floor.refresh_from_db()
    assert court.remaining == 0 and ballot.floor.remaining == 0
    for e in court_wins + floor_wins:
        assert e.outcome == "won" and e.booking.status == Booking.Status.CONFIRMED
        assert e.booking.resident_id == e.resident_id and e.tier == 0
    results = selectors.get_results(round_id=ballot.round.pk)
    assert results["seed"] == ballot.round.seed
    assert verify_ballot.verify(results) == []


def test_an_entry_takes_its_first_choice_with_room(ballot, residents):
    first, second = ballot.courts
    a = enter(ballot, residents[0], [first])
    b = enter(ballot, residents[1], [first, second])
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    won = dict(BallotEntry.objects.values_list("pk", "won_slot"))
    seed = ballot.round.seed
    a_first = verify_ballot.order_key(seed, 0, a.ticket) < verify_ballot.order_key(
        seed, 0, b.ticket
    )
    # b wants `first` most; it gets it if it comes first, else its second choice.
    assert won == ({a.pk: first.pk, b.pk: second.pk} if a_first else {a.pk: None, b.pk: first.pk})
    assert verify_ballot.verify(selectors.get_results(round_id=ballot.round.pk)) == []


def test_a_second_draw_returns_the_same_outcome(ballot, residents):
    for r in residents:
        enter(ballot, r, [*ballot.courts, ballot.floor])
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    before = selectors.get_results(round_id=ballot.round.pk)
    again = services.draw_round(
        round_id=ballot.round.pk, now=ballot.after_close + dt.timedelta(hours=1)
    )
    assert not again.drawn_now
    assert selectors.get_results(round_id=ballot.round.pk) == before
    assert Booking.objects.count() == 2 + 6  # two courts, six places on the floor


def test_recent_winners_are_ordered_after_everyone_else(venue, residents):
    earlier = make_ballot(venue, courts=1)
    enter(earlier, residents[0], [earlier.courts[0]])
    services.draw_round(round_id=earlier.round.pk, now=earlier.after_close)
    # A later round at the same venue: the earlier winner is tier 1, and loses to newcomers.
    later = make_ballot(venue, courts=1)
    later_slot = later.courts[0]
    later_slot.starts_at += dt.timedelta(days=1)
    later_slot.ends_at += dt.timedelta(days=1)
    later_slot.save()
    enter(later, residents[0], [later_slot])
    enter(later, residents[1], [later_slot])
    services.draw_round(round_id=later.round.pk, now=later.after_close)
    tiers = dict(BallotEntry.objects.filter(round=later.round).values_list("resident", "tier"))
    assert tiers == {residents[0].pk: 1, residents[1].pk: 0}
    assert BallotEntry.objects.get(round=later.round, resident=residents[1]).status == "won"


def test_choices_that_would_break_the_daily_limit_are_left_out_and_the_entry_loses(
    ballot, residents
):
    heavy = residents[0]
    start = ballot.courts[0].starts_at
    # Two bookings on the play date (max_bookings_per_day is 2 in the tests' policy), at hours
    # clear of the ballot's slots, whatever the hour the test runs at.
    midnight = dt.datetime.combine(rules.local_date(start), dt.time(), tzinfo=rules.local_tz())
    hours = [
        midnight + dt.timedelta(hours=h)
        for h in range(23)
        if abs(midnight + dt.timedelta(hours=h) - start) >= dt.timedelta(hours=2)
    ]
    for starts_at in hours[:2]:
        BookingFactory(
            slot=SlotFactory(resource=ballot.floor.resource, starts_at=starts_at), resident=heavy
        )
    enter(ballot, heavy, [ballot.courts[0], ballot.floor])
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    entry = BallotEntry.objects.get(round=ballot.round, resident=heavy)
    assert entry.outcome == "lost" and entry.drawn_choices == [] and entry.booking is None
    assert verify_ballot.verify(selectors.get_results(round_id=ballot.round.pk)) == []


def test_a_resident_suspended_after_entering_loses(ballot, residents):
    enter(ballot, residents[0], [ballot.floor])
    ResidentStanding.objects.create(
        user=residents[0], suspended_until=ballot.after_close + dt.timedelta(days=5)
    )
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    assert BallotEntry.objects.get(resident=residents[0]).outcome == "lost"


def test_paid_winners_are_held_until_the_payment_deadline(venue, residents):
    b = make_ballot(venue, courts=1, price=Decimal("40.00"))
    enter(b, residents[0], [b.courts[0]])
    services.draw_round(round_id=b.round.pk, now=b.after_close)
    booking = BallotEntry.objects.get(resident=residents[0]).booking
    assert booking.status == Booking.Status.HELD
    assert booking.hold_expires_at == b.round.pay_by
    assert booking.price == Decimal("40.00")


def test_withdrawn_entries_are_not_drawn_nor_published(ballot, residents):
    entry = enter(ballot, residents[0], [ballot.floor])
    services.withdraw_entry(entry_id=entry.pk, resident=residents[0], now=ballot.now)
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    assert selectors.get_results(round_id=ballot.round.pk)["entries"] == []
    assert BallotEntry.objects.get(pk=entry.pk).status == "withdrawn"


def test_everyone_gets_a_result_mail_and_winners_an_ics(ballot, residents, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    enter(ballot, residents[0], [ballot.courts[0]])
    enter(ballot, residents[1], [ballot.courts[0]])
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    notices.send_due_notices(now=ballot.after_close + dt.timedelta(minutes=1))
    assert len(mail.outbox) == 2
    won = [m for m in mail.outbox if m.attachments]
    assert len(won) == 1
    _name, content, mimetype = won[0].attachments[0]
    assert mimetype == "text/calendar" and "BEGIN:VEVENT" in str(content)


def test_ballot_slots_refuse_first_come_until_released(ballot, resident, other_resident):
    court = ballot.courts[1]
    with pytest.raises(AllocatedByBallotError) as refused:
        booking_services.place_booking(resident=resident, slot_id=court.pk, now=ballot.now)
    assert refused.value.code == "ballot" and refused.value.extra["ballot"] == ballot.round.pk
    # Drawn but not yet released: still refused.
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    with pytest.raises(AllocatedByBallotError):
        booking_services.place_booking(resident=resident, slot_id=court.pk, now=ballot.after_close)
    result = booking_services.place_booking(
        resident=other_resident, slot_id=court.pk, now=ballot.after_release
    )
    assert result.created and result.booking.status == "confirmed"


def test_an_undrawn_round_keeps_its_slots_after_releases_at(ballot, resident):
    with pytest.raises(AllocatedByBallotError):
        booking_services.place_booking(
            resident=resident, slot_id=ballot.floor.pk, now=ballot.after_release
        )


def test_other_slots_stay_first_come(ballot, resident):
    free = SlotFactory(resource=ballot.floor.resource)
    assert booking_services.place_booking(resident=resident, slot_id=free.pk).created


def test_unknown_user_draw_round_ids_are_not_found(db):
    from allocation.exceptions import BallotNotFoundError

    for round_id in (123456, 0, "x", None, True):
        with pytest.raises(BallotNotFoundError):
            services.draw_round(round_id=round_id)  # type: ignore[arg-type]


def test_results_hide_names_and_list_room_per_slot(ballot, residents):
    enter(ballot, residents[0], [ballot.floor], party_size=2)
    services.draw_round(round_id=ballot.round.pk, now=ballot.after_close)
    results = selectors.get_results(round_id=ballot.round.pk)
    assert set(results["entries"][0]) == {"ticket", "tier", "choices", "party_size", "won_slot"}
    assert {"id": ballot.floor.pk, "exclusive": False, "places": 6} in results["slots"]
    assert "r0" not in str(results)
