import datetime as dt
import hashlib

import pytest

from allocation import services
from allocation.exceptions import (
    AlreadyEnteredError,
    BallotClosedError,
    BallotNotFoundError,
    BallotNotOpenError,
    EntryNotFoundError,
    InvalidChoicesError,
    InvalidPartySizeError,
    InvalidRoundError,
    NotChangeableError,
    NotVenueStaffError,
    PartyTooLargeError,
)
from allocation.models import BallotEntry
from booking.exceptions import SuspendedError
from booking.models import ResidentStanding
from tests.allocation.conftest import make_ballot
from tests.factories import ResourceFactory, SlotFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_staff_creates_a_round_whose_commitment_is_the_sha256_of_its_seed(venue, staff_user):
    b = make_ballot(venue, staff=staff_user)
    assert len(b.round.seed) == 64 and b.round.seed == b.round.seed.lower()
    assert b.round.commitment == hashlib.sha256(b.round.seed.encode("ascii")).hexdigest()
    assert b.round.status_at(b.now) == "open"
    assert b.round.public_seed is None
    assert b.round.created_by == staff_user


def test_a_resident_cannot_create_a_round(venue, resident):
    with pytest.raises(NotVenueStaffError):
        make_ballot(venue, staff=resident)


def test_round_refuses_slots_of_another_venue_or_day_or_round(venue, staff_user):
    b = make_ballot(venue)
    other = SlotFactory(resource=ResourceFactory(venue=VenueFactory()))
    later = SlotFactory(
        resource=b.courts[0].resource, starts_at=b.courts[0].starts_at + dt.timedelta(days=1)
    )
    times = {
        "opens_at": b.now,
        "closes_at": b.now + dt.timedelta(hours=1),
        "draws_at": b.now + dt.timedelta(hours=1),
        "releases_at": b.now + dt.timedelta(hours=2),
        "now": b.now,
    }
    for slot_ids in ([other.pk], [b.courts[0].pk], [later.pk, b.floor.pk], []):
        with pytest.raises(InvalidRoundError):
            services.create_round(venue_id=venue.pk, slot_ids=slot_ids, **times)
    with pytest.raises(InvalidRoundError) as bad:
        services.create_round(
            venue_id=venue.pk, slot_ids=[later.pk], **{**times, "draws_at": b.now}
        )
    assert "draws_at" in bad.value.fields


def test_entry_gets_a_ticket_and_a_second_is_already_entered(ballot, resident):
    entry = services.enter_ballot(
        round_id=ballot.round.pk, resident=resident, choices=[ballot.courts[0].pk], now=ballot.now
    )
    assert entry.status == "entered" and len(entry.ticket) == 16
    with pytest.raises(AlreadyEnteredError):
        services.enter_ballot(
            round_id=ballot.round.pk, resident=resident, choices=[ballot.floor.pk], now=ballot.now
        )


def test_entries_outside_the_window_are_refused(ballot, resident):
    r = ballot.round
    with pytest.raises(BallotNotOpenError) as early:
        services.enter_ballot(
            round_id=r.pk,
            resident=resident,
            choices=[ballot.floor.pk],
            now=r.opens_at - dt.timedelta(seconds=1),
        )
    assert "opens_at" in early.value.extra
    with pytest.raises(BallotClosedError):
        services.enter_ballot(
            round_id=r.pk, resident=resident, choices=[ballot.floor.pk], now=r.closes_at
        )


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        ("many", "too_many_choices"),
        ("dup", "duplicate_choices"),
        ("alien", "slot_not_in_round"),
        ([], "invalid_choices"),
        (["1"], "invalid_choices"),
        ([True], "invalid_choices"),
    ],
)
def test_bad_choices_are_refused_with_a_code(ballot, resident, choices, code):
    ids = [s.pk for s in ballot.courts] + [ballot.floor.pk]
    extra = SlotFactory(resource=ballot.floor.resource).pk
    if isinstance(choices, str):
        # "many": four where three are allowed
        choices = {"many": [*ids, extra], "dup": [ids[0], ids[0]], "alien": [extra]}[choices]
    with pytest.raises(InvalidChoicesError) as refused:
        services.enter_ballot(
            round_id=ballot.round.pk, resident=resident, choices=choices, now=ballot.now
        )
    assert refused.value.code == code


@pytest.mark.parametrize("party", [0, -1, "2", True, 1001])
def test_malformed_party_size_is_refused(ballot, resident, party):
    with pytest.raises(InvalidPartySizeError):
        services.enter_ballot(
            round_id=ballot.round.pk,
            resident=resident,
            choices=[ballot.floor.pk],
            party_size=party,
            now=ballot.now,
        )


def test_party_larger_than_a_chosen_slot_is_refused(ballot, resident):
    with pytest.raises(PartyTooLargeError):
        services.enter_ballot(
            round_id=ballot.round.pk,
            resident=resident,
            choices=[ballot.floor.pk, ballot.courts[0].pk],
            party_size=5,  # the floor takes 6, a court 4
            now=ballot.now,
        )


def test_suspended_resident_cannot_enter(ballot, resident):
    until = ballot.now + dt.timedelta(days=3)
    ResidentStanding.objects.create(user=resident, suspended_until=until)
    with pytest.raises(SuspendedError) as refused:
        services.enter_ballot(
            round_id=ballot.round.pk, resident=resident, choices=[ballot.floor.pk], now=ballot.now
        )
    assert "suspended_until" in refused.value.extra


def test_unknown_round_is_not_found(resident, db):
    for round_id in (999999, 0, -1, "1", True, 2**70):
        with pytest.raises(BallotNotFoundError):
            services.enter_ballot(round_id=round_id, resident=resident, choices=[1])


def test_change_and_withdraw_while_open_then_enter_again(ballot, resident):
    r = ballot.round
    entry = services.enter_ballot(
        round_id=r.pk, resident=resident, choices=[ballot.courts[0].pk], now=ballot.now
    )
    changed = services.change_entry(
        entry_id=entry.pk,
        resident=resident,
        choices=[ballot.floor.pk, ballot.courts[1].pk],
        party_size=3,
        now=ballot.now,
    )
    assert changed.choices == [ballot.floor.pk, ballot.courts[1].pk] and changed.party_size == 3
    with pytest.raises(PartyTooLargeError):
        services.change_entry(entry_id=entry.pk, resident=resident, party_size=5, now=ballot.now)
    withdrawn = services.withdraw_entry(entry_id=entry.pk, resident=resident, now=ballot.now)
    assert withdrawn.status == "withdrawn"
    again = services.withdraw_entry(entry_id=entry.pk, resident=resident, now=ballot.now)
    assert again.status == "withdrawn"
    with pytest.raises(NotChangeableError):
        services.change_entry(entry_id=entry.pk, resident=resident, party_size=1, now=ballot.now)
    second = services.enter_ballot(
        round_id=r.pk, resident=resident, choices=[ballot.floor.pk], now=ballot.now
    )
    assert second.pk != entry.pk
    assert BallotEntry.objects.filter(round=r, resident=resident).count() == 2


def test_change_and_withdraw_after_close_are_refused(ballot, resident):
    entry = services.enter_ballot(
        round_id=ballot.round.pk, resident=resident, choices=[ballot.floor.pk], now=ballot.now
    )
    with pytest.raises(BallotClosedError):
        services.change_entry(
            entry_id=entry.pk, resident=resident, party_size=2, now=ballot.after_close
        )
    with pytest.raises(BallotClosedError):
        services.withdraw_entry(entry_id=entry.pk, resident=resident, now=ballot.after_close)


def test_another_residents_entry_is_not_found(ballot, resident):
    entry = services.enter_ballot(
        round_id=ballot.round.pk, resident=resident, choices=[ballot.floor.pk], now=ballot.now
    )
    stranger = UserFactory(username="mallory")
    with pytest.raises(EntryNotFoundError):
        services.withdraw_entry(entry_id=entry.pk, resident=stranger, now=ballot.now)
    with pytest.raises(EntryNotFoundError):
        services.change_entry(entry_id=entry.pk, resident=stranger, party_size=1, now=ballot.now)
