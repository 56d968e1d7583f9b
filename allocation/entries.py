"""Residents' entries in an open round: enter, change, withdraw.

An entry write holds the round row `FOR SHARE` and re-checks that the round is open and
undrawn, so that an entry either commits before the draw reads the entries (and is in it) or
sees the round drawn and is refused `ballot_closed` (lock order: allocation.services).
"""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from allocation.exceptions import (
    AlreadyEnteredError,
    BallotClosedError,
    BallotNotFoundError,
    BallotNotOpenError,
    EntryNotFoundError,
    InvalidChoicesError,
    InvalidPartySizeError,
    NotChangeableError,
    PartyTooLargeError,
)
from allocation.models import BallotEntry, BallotRound
from allocation.rounds import is_id, whole_number_in
from booking import rules
from booking.exceptions import SuspendedError
from booking.models import ResidentStanding

MAX_PARTY_SIZE = 1000


def enter_ballot(
    *,
    round_id: int,
    resident: AbstractBaseUser,
    choices: list[int],
    party_size: int = 1,
    now: dt.datetime | None = None,
) -> BallotEntry:
    """Enter a resident in an open round with ranked choices and a party size.

    Invariant: one live entry per resident per round (a partial unique constraint); an entry
    that commits is in the draw (see the module docstring).

    Raises BallotNotFoundError, InvalidChoicesError, InvalidPartySizeError, PartyTooLargeError,
    SuspendedError, BallotNotOpenError, BallotClosedError, AlreadyEnteredError.
    """
    now = now or timezone.now()
    _check_party_size(party_size)
    try:
        with transaction.atomic():
            ballot = _lock_round_for_entry(round_id=round_id, now=now)
            _check_choices(ballot=ballot, choices=choices, party_size=party_size)
            _check_not_suspended(resident_id=resident.pk, now=now)
            if BallotEntry.objects.filter(
                round=ballot, resident_id=resident.pk, status=BallotEntry.Status.ENTERED
            ).exists():
                raise AlreadyEnteredError()
            return BallotEntry.objects.create(
                round=ballot, resident_id=resident.pk, choices=choices, party_size=party_size
            )
    except IntegrityError as exc:  # a twin request committed first
        if "ballot_entry_one_live_per_resident" in str(exc):
            raise AlreadyEnteredError() from exc
        raise


def change_entry(
    *,
    entry_id: int,
    resident: AbstractBaseUser,
    choices: list[int] | None = None,
    party_size: int | None = None,
    now: dt.datetime | None = None,
) -> BallotEntry:
    """Change an entry's choices and/or party size while its round is open.

    Raises EntryNotFoundError (also another resident's), NotChangeableError (withdrawn),
    InvalidChoicesError, InvalidPartySizeError, PartyTooLargeError, BallotClosedError.
    """
    now = now or timezone.now()
    if party_size is not None:
        _check_party_size(party_size)
    with transaction.atomic():
        entry = _lock_own_entry(entry_id=entry_id, resident=resident, now=now)
        new_choices = list(entry.choices) if choices is None else choices
        new_party = entry.party_size if party_size is None else party_size
        _check_choices(ballot=entry.round, choices=new_choices, party_size=new_party)
        entry.choices, entry.party_size = new_choices, new_party
        entry.save(update_fields=["choices", "party_size", "updated_at"])
    return entry


def withdraw_entry(
    *, entry_id: int, resident: AbstractBaseUser, now: dt.datetime | None = None
) -> BallotEntry:
    """Withdraw an entry while its round is open; a second withdrawal changes nothing.

    Raises EntryNotFoundError, BallotClosedError.
    """
    now = now or timezone.now()
    with transaction.atomic():
        entry = _lock_own_entry(entry_id=entry_id, resident=resident, now=now, allow_withdrawn=True)
        if entry.status != BallotEntry.Status.WITHDRAWN:
            entry.status = BallotEntry.Status.WITHDRAWN
            entry.save(update_fields=["status", "updated_at"])
    return entry


def _lock_round_for_entry(*, round_id: object, now: dt.datetime) -> BallotRound:
    """The round row `FOR SHARE` (the draw's `FOR UPDATE` waits for it), checked open."""
    if not is_id(round_id):
        raise BallotNotFoundError()
    # A refusal that needs no lock first: late entries never queue before a waiting draw.
    times = (
        BallotRound.objects.filter(pk=round_id).values("opens_at", "closes_at", "drawn_at").first()
    )
    if times is None:
        raise BallotNotFoundError()
    _check_open(BallotRound(**times), now)
    if connection.vendor == "postgresql":
        # FOR SHARE: entries do not queue behind each other, only behind (and before) a draw.
        found = list(
            BallotRound.objects.raw(
                f"SELECT * FROM {BallotRound._meta.db_table} WHERE id = %s FOR SHARE", [round_id]
            )
        )
    else:  # SQLite: one writer at a time anyway
        found = list(BallotRound.objects.filter(pk=round_id))
    if not found:
        raise BallotNotFoundError()
    ballot = found[0]
    _check_open(ballot, now)
    return ballot


def _check_open(ballot: BallotRound, now: dt.datetime) -> None:
    status = ballot.status_at(now)
    if status == BallotRound.Status.SCHEDULED:
        local = ballot.opens_at.astimezone(rules.local_tz())
        raise BallotNotOpenError(extra={"opens_at": local.isoformat()})
    if status != BallotRound.Status.OPEN:
        raise BallotClosedError()


def _lock_own_entry(
    *, entry_id: object, resident: AbstractBaseUser, now: dt.datetime, allow_withdrawn: bool = False
) -> BallotEntry:
    if not is_id(entry_id):
        raise EntryNotFoundError()
    round_id = (
        BallotEntry.objects.filter(pk=entry_id, resident_id=resident.pk)
        .values_list("round_id", flat=True)
        .first()
    )
    if round_id is None:
        raise EntryNotFoundError()
    ballot = _lock_round_for_entry(round_id=round_id, now=now)  # lock order: round, then entry
    entry = BallotEntry.objects.select_for_update().get(pk=entry_id)
    entry.round = ballot
    if entry.status == BallotEntry.Status.WITHDRAWN and not allow_withdrawn:
        raise NotChangeableError()
    return entry


def _check_party_size(party_size: object) -> None:
    if not whole_number_in(party_size, 1, MAX_PARTY_SIZE):
        raise InvalidPartySizeError(fields={"party_size": ["A whole number from 1."]})


def _check_choices(*, ballot: BallotRound, choices: object, party_size: int) -> None:
    if not isinstance(choices, list) or not choices:
        raise InvalidChoicesError(
            "请至少选择一个时段。Give at least one choice.",
            fields={"choices": ["Give at least one slot id."]},
        )
    if any(isinstance(c, bool) or not isinstance(c, int) for c in choices):
        raise InvalidChoicesError(fields={"choices": ["Slot ids are whole numbers."]})
    if len(choices) > ballot.max_choices:
        raise InvalidChoicesError(
            f"最多 {ballot.max_choices} 个志愿。At most {ballot.max_choices} choices.",
            code="too_many_choices",
            fields={"choices": [f"At most {ballot.max_choices}."]},
        )
    if len(set(choices)) != len(choices):
        raise InvalidChoicesError(
            "志愿不能重复。Each slot may be chosen once.",
            code="duplicate_choices",
            fields={"choices": ["Each slot may appear once."]},
        )
    capacity = dict(ballot.slots.filter(pk__in=choices).values_list("pk", "capacity"))
    missing = [c for c in choices if c not in capacity]
    if missing:
        raise InvalidChoicesError(
            "所选时段不在本轮抽签中。A chosen slot is not in this round.",
            code="slot_not_in_round",
            fields={"choices": [f"Not in this round: {missing}."]},
        )
    too_small = [c for c in choices if capacity[c] < party_size]
    if too_small:
        raise PartyTooLargeError(
            fields={"party_size": [f"Larger than the capacity of slots {too_small}."]}
        )


def _check_not_suspended(*, resident_id: int, now: dt.datetime) -> None:
    until = (
        ResidentStanding.objects.filter(user_id=resident_id, suspended_until__gt=now)
        .values_list("suspended_until", flat=True)
        .first()
    )
    if until is not None:
        local = until.astimezone(rules.local_tz())
        raise SuspendedError(
            f"因多次爽约或迟取消，您的预约资格暂停至 {local:%Y-%m-%d %H:%M}。"
            f"Booking is suspended until {local:%Y-%m-%d %H:%M}.",
            extra={"suspended_until": local.isoformat()},
        )
