"""Writes of the allocation app: ballot rounds, entries, the draw and the scheduler's steps.

Lock order: round row, then entry rows, then (in the draw, through booking) slot rows. An
entry write holds the round row `FOR SHARE` and re-checks that the round is undrawn; the draw
holds it `FOR UPDATE`: an entry either commits before the draw reads the entries (and is in
it) or sees the round drawn (and is refused `ballot_closed`). Two draws of one round queue on
the row: the second finds it drawn and returns the same outcome.
"""

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast, Now
from django.utils import timezone

from allocation import draw as v1
from allocation.exceptions import (
    AlreadyEnteredError,
    BallotClosedError,
    BallotNotFoundError,
    BallotNotOpenError,
    BallotOpenError,
    EntryNotFoundError,
    InvalidChoicesError,
    InvalidPartySizeError,
    InvalidRoundError,
    NotChangeableError,
    NotVenueStaffError,
    PartyTooLargeError,
)
from allocation.models import BallotEntry, BallotRound
from booking import rules
from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.exceptions import SuspendedError
from booking.models import Booking, ResidentStanding, Slot
from common import notices
from venues.models import BookingPolicy, Venue

logger = logging.getLogger(__name__)

MAX_PARTY_SIZE = 1000
MAX_ID = 2**63 - 1
TIER_DAYS = 28  # wins in this venue's rounds of the previous 28 days put an entry in tier 1


# --- rounds ---------------------------------------------------------------------------------


def create_round(
    *,
    venue_id: int,
    slot_ids: list[int],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    draws_at: dt.datetime,
    releases_at: dt.datetime,
    pay_by: dt.datetime | None = None,
    max_choices: int | None = None,
    by_user: AbstractBaseUser | None = None,
    by_policy: bool = False,
    now: dt.datetime | None = None,
) -> BallotRound:
    """Create a ballot round over some slots of one venue on one play date.

    Staff of the venue (or district admins) only, when `by_user` is given (the scheduler
    passes none). The slots must be the venue's, start on one local day after the round
    closes, and belong to no other round still holding them. A fresh seed is made; its
    commitment is public at once.

    Raises NotVenueStaffError, InvalidRoundError.
    """
    now = now or timezone.now()
    venue = Venue.objects.select_related("policy").filter(pk=venue_id).first()
    if venue is None:
        raise InvalidRoundError("场馆不存在。Unknown venue.", fields={"venue": ["Unknown venue."]})
    if by_user is not None and not booking_selectors.is_venue_staff(
        user=by_user, venue_id=venue.pk
    ):
        raise NotVenueStaffError()
    policy = _policy(venue)
    if max_choices is None:
        max_choices = policy.ballot_max_choices
    pay_by = pay_by or releases_at
    _check_timetable(
        opens_at=opens_at,
        closes_at=closes_at,
        draws_at=draws_at,
        pay_by=pay_by,
        releases_at=releases_at,
        max_choices=max_choices,
        now=now,
    )
    ids = sorted(set(slot_ids))
    if not ids or len(ids) != len(slot_ids):
        raise InvalidRoundError(
            "请选择不重复的时段。Give the round's slots, each once.",
            fields={"slots": ["Give at least one slot, each once."]},
        )
    with transaction.atomic():
        # Lock the slots (id order, as booking does) so that two rounds never take one slot.
        slots = list(
            Slot.objects.select_for_update().filter(pk__in=ids, venue_id=venue.pk).order_by("pk")
        )
        if len(slots) != len(ids):
            raise InvalidRoundError(
                "有时段不属于该场馆。A slot is unknown or not at this venue.",
                fields={"slots": ["Every slot must exist and be at this venue."]},
            )
        days = {rules.local_date(s.starts_at) for s in slots}
        if len(days) != 1:
            raise InvalidRoundError(
                "一轮抽签的时段须在同一天。A round's slots must be on one day.",
                fields={"slots": ["All slots must start on the same day."]},
            )
        if min(s.starts_at for s in slots) <= releases_at:
            raise InvalidRoundError(
                "时段须在释放时间之后开始。Slots must start after the release time.",
                fields={"releases_at": ["Must be before the first slot starts."]},
            )
        taken = list(_slots_held_by_rounds(now).filter(slot_id__in=ids))
        if taken:
            raise InvalidRoundError(
                "有时段已在另一轮抽签中。A slot is already in another ballot round.",
                fields={"slots": [f"Already in a ballot: {sorted(set(taken))}."]},
            )
        ballot = BallotRound(
            venue=venue,
            date=days.pop(),
            opens_at=opens_at,
            closes_at=closes_at,
            draws_at=draws_at,
            pay_by=pay_by,
            releases_at=releases_at,
            max_choices=max_choices,
            created_by_id=by_user.pk if by_user is not None else None,
            by_policy=by_policy,
        )
        ballot.save()
        ballot.slots.set(slots)
    return ballot


def _slots_held_by_rounds(now: dt.datetime) -> Any:
    """Ids of the slots a round still holds (undrawn, or drawn and not yet released)."""
    return BallotRound.slots.through.objects.filter(
        Q(ballotround__drawn_at__isnull=True) | Q(ballotround__releases_at__gt=now)
    ).values_list("slot_id", flat=True)


def _check_timetable(
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    draws_at: dt.datetime,
    pay_by: dt.datetime,
    releases_at: dt.datetime,
    max_choices: int,
    now: dt.datetime,
) -> None:
    fields: dict[str, list[str]] = {}
    if closes_at <= opens_at:
        fields["closes_at"] = ["Must be after opens_at."]
    if closes_at <= now:
        fields.setdefault("closes_at", []).append("Must be in the future.")
    if draws_at < closes_at:
        fields["draws_at"] = ["Must not be before closes_at."]
    if not draws_at <= pay_by <= releases_at:
        fields["pay_by"] = ["Must be between draws_at and releases_at."]
    if releases_at < draws_at:
        fields["releases_at"] = ["Must not be before draws_at."]
    if (
        isinstance(max_choices, bool)
        or not isinstance(max_choices, int)
        or not 1 <= max_choices <= 20
    ):
        fields["max_choices"] = ["Must be between 1 and 20."]
    if fields:
        raise InvalidRoundError(
            "抽签时间表无效。The round's timetable is not valid.", fields=fields
        )


def _policy(venue: Venue) -> BookingPolicy:
    try:
        return venue.policy
    except BookingPolicy.DoesNotExist:
        return BookingPolicy(venue=venue)


# --- entries --------------------------------------------------------------------------------


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
    if isinstance(round_id, bool) or not isinstance(round_id, int) or not 0 < round_id <= MAX_ID:
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
    if isinstance(entry_id, bool) or not isinstance(entry_id, int) or not 0 < entry_id <= MAX_ID:
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
    if (
        isinstance(party_size, bool)
        or not isinstance(party_size, int)
        or not 1 <= party_size <= MAX_PARTY_SIZE
    ):
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


# --- the draw -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawOutcome:
    round: BallotRound
    drawn_now: bool  # False: the round had been drawn already (a repeat returns that outcome)


def draw_round(
    *, round_id: int, by_user: AbstractBaseUser | None = None, now: dt.datetime | None = None
) -> DrawOutcome:
    """Draw a closed round with algorithm v1, book the winners and owe everyone a result mail.

    One transaction, idempotent: the round row is locked `FOR UPDATE`, so a second draw (two
    schedulers, or the command beside a staff click) waits, finds it drawn and returns the same
    outcome. Winners' bookings are made through `booking.services.place_allocated_bookings`
    (free → confirmed; paid → held until the round's `pay_by`).

    Raises BallotNotFoundError, NotVenueStaffError (a `by_user` who is not the venue's staff),
    BallotOpenError (before `closes_at`).
    """
    now = now or timezone.now()
    if isinstance(round_id, bool) or not isinstance(round_id, int) or not 0 < round_id <= MAX_ID:
        raise BallotNotFoundError()
    with transaction.atomic():
        ballot = (
            BallotRound.objects.select_for_update(of=("self",))
            .select_related("venue__policy")
            .filter(pk=round_id)
            .first()
        )
        if ballot is None:
            raise BallotNotFoundError()
        if by_user is not None and not booking_selectors.is_venue_staff(
            user=by_user, venue_id=ballot.venue_id
        ):
            raise NotVenueStaffError()
        if ballot.drawn_at is not None:
            return DrawOutcome(round=ballot, drawn_now=False)
        if now < ballot.closes_at:
            raise BallotOpenError(
                extra={"closes_at": ballot.closes_at.astimezone(rules.local_tz()).isoformat()}
            )
        _draw_locked(ballot=ballot, now=now)
    transaction.on_commit(notices.ring)
    return DrawOutcome(round=ballot, drawn_now=True)


def _draw_locked(*, ballot: BallotRound, now: dt.datetime) -> None:
    policy = _policy(ballot.venue)
    slots = {s.pk: s for s in ballot.slots.select_related("resource").order_by("pk")}
    rooms = {
        pk: v1.SlotRoom(
            exclusive=s.resource.exclusive,
            places=0 if s.is_closed or s.starts_at <= now else max(s.remaining, 0),
        )
        for pk, s in slots.items()
    }
    entries = _entries_to_draw(ballot)
    winners_before = set(
        BallotEntry.objects.filter(
            status=BallotEntry.Status.WON,
            round__venue_id=ballot.venue_id,
            round__drawn_at__gte=now - dt.timedelta(days=TIER_DAYS),
            round__drawn_at__lt=now,
        )
        .exclude(round=ballot)
        .values_list("resident_id", flat=True)
    )
    entrants = BallotEntry.objects.filter(round=ballot, status=BallotEntry.Status.ENTERED).values(
        "resident_id"
    )
    suspended = set(
        ResidentStanding.objects.filter(user_id__in=entrants, suspended_until__gt=now).values_list(
            "user_id", flat=True
        )
    )
    booked = _active_bookings(ballot=ballot, slots=slots, residents=entrants)
    # For the many residents with no booking in the week, whether a slot alone breaks a
    # limit depends on the slot only: computed once per slot.
    alone_ok = {
        pk: rules.broken_limit(policy=policy, booked=[], starts_at=s.starts_at, ends_at=s.ends_at)
        is None
        for pk, s in slots.items()
    }
    draw_entries = []
    for _pk, ticket, resident_id, choices, party_size in entries:
        allowed: tuple[int, ...] = ()
        if resident_id in suspended:
            pass
        elif resident_id not in booked:
            allowed = tuple(c for c in choices if alone_ok.get(c, False))
        else:
            mine = booked[resident_id]
            allowed = tuple(
                c
                for c in choices
                if c in slots
                and all(slot_id != c for slot_id, _s, _e in mine)
                and rules.broken_limit(
                    policy=policy,
                    booked=[(s, e) for _id, s, e in mine],
                    starts_at=slots[c].starts_at,
                    ends_at=slots[c].ends_at,
                )
                is None
            )
        draw_entries.append(
            v1.DrawEntry(
                ticket=ticket,
                tier=1 if resident_id in winners_before else 0,
                choices=allowed,
                party_size=party_size,
            )
        )
    outcome = v1.draw(seed=ballot.seed, entries=draw_entries, slots=rooms)

    by_ticket = {e.ticket: e for e in draw_entries}
    won = [
        (pk, resident_id, party_size, outcome[ticket])
        for pk, ticket, resident_id, _c, party_size in entries
        if outcome[ticket] is not None
    ]
    hold_until = max(ballot.pay_by, now + dt.timedelta(minutes=policy.hold_minutes))
    booking_ids = booking_services.place_allocated_bookings(
        allocations=[
            booking_services.PlaceAllocation(
                resident_id=resident_id, slot=slots[slot_id], party_size=party_size
            )
            for _pk, resident_id, party_size, slot_id in won
            if slot_id is not None
        ],
        hold_until=hold_until,
        now=now,
    )
    booking_of = {pk: b for (pk, *_rest), b in zip(won, booking_ids, strict=True)}
    # Most entries of a big round lose in tier 0 with all their choices allowed: those are
    # written by one set-based statement; only the others are sent row by row.
    rows = [
        EntryResult(
            pk=pk,
            tier=by_ticket[ticket].tier,
            choices=list(by_ticket[ticket].choices),
            won_slot=outcome[ticket],
            booking=booking_of.get(pk),
        )
        for pk, ticket, _r, choices, _p in entries
        if outcome[ticket] is not None
        or by_ticket[ticket].tier != 0
        or len(by_ticket[ticket].choices) != len(choices)
    ]
    _write_results(ballot=ballot, rows=rows)
    notices.owe(kind=BallotEntry.RESULT_NOTICE, refs=[row[0] for row in entries], now=now)
    ballot.drawn_at = now
    ballot.drawn_slots = {str(pk): [r.exclusive, r.places] for pk, r in rooms.items()}
    ballot.save(update_fields=["drawn_at", "drawn_slots"])


def _active_bookings(
    *, ballot: BallotRound, slots: dict[int, Slot], residents: Any
) -> dict[int, list[tuple[int, dt.datetime, dt.datetime]]]:
    """Each resident's (a subquery of ids) active bookings at the venue in the play date's
    week (and day)."""
    if not slots:
        return {}
    day_start, day_end = rules.day_bounds(ballot.date)
    week_start, week_end = rules.week_bounds(ballot.date)
    rows = Booking.objects.filter(
        venue_id=ballot.venue_id,
        resident_id__in=residents,
        status__in=Booking.ACTIVE_STATUSES,
        starts_at__gte=min(day_start, week_start),
        starts_at__lt=max(day_end, week_end),
    ).values_list("resident_id", "slot_id", "starts_at", "ends_at")
    found: dict[int, list[tuple[int, dt.datetime, dt.datetime]]] = {}
    for resident_id, slot_id, starts_at, ends_at in rows:
        found.setdefault(resident_id, []).append((slot_id, starts_at, ends_at))
    return found


def _entries_to_draw(ballot: BallotRound) -> list[tuple[int, str, int, list[int], int]]:
    """The round's live entries as (pk, ticket, resident id, choices, party size).

    The choices are read as text and decoded here: no JSON field converter per row.
    """
    rows = (
        BallotEntry.objects.filter(round=ballot, status=BallotEntry.Status.ENTERED)
        .annotate(choices_text=Cast("choices", TextField()))
        .values_list("pk", "ticket", "resident_id", "choices_text", "party_size")
    )
    loads = json.loads
    return [(pk, t, r, loads(c), p) for pk, t, r, c, p in rows.iterator(chunk_size=10_000)]


@dataclass(frozen=True, slots=True)
class EntryResult:
    """An entry's outcome, as published: its tier, allowed choices, the slot it won."""

    pk: int
    tier: int
    choices: list[int]
    won_slot: int | None
    booking: int | None


def _write_results(*, ballot: BallotRound, rows: Sequence[EntryResult]) -> None:
    """Write the outcome of every live entry of a round being drawn.

    `rows` are the entries with anything to say: winners, tier 1, or choices left out (one
    statement on PostgreSQL, else row by row). Every other live entry lost in tier 0 with all
    its choices allowed: one set-based UPDATE, so a big round's losers cost no data sent.
    """
    lost, won = BallotEntry.Status.LOST, BallotEntry.Status.WON
    if rows and connection.vendor == "postgresql":
        # One JSON array of rows: no per-element array adaptation for many entries.
        payload = [
            {
                "id": r.pk,
                "status": won if r.won_slot is not None else lost,
                "tier": r.tier,
                "choices": r.choices,
                "won": r.won_slot,
                "booking": r.booking,
            }
            for r in rows
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {BallotEntry._meta.db_table} e SET status = r.status, tier = r.tier,
                  drawn_choices = r.choices, won_slot_id = r.won, booking_id = r.booking,
                  updated_at = now()
                FROM jsonb_to_recordset(%s::jsonb) AS r(
                  id bigint, status text, tier smallint, choices jsonb, won bigint, booking bigint)
                WHERE e.id = r.id
                """,
                [json.dumps(payload)],
            )
    else:
        for r in rows:
            BallotEntry.objects.filter(pk=r.pk).update(
                status=won if r.won_slot is not None else lost,
                tier=r.tier,
                drawn_choices=r.choices,
                won_slot_id=r.won_slot,
                booking_id=r.booking,
                updated_at=Now(),
            )
    BallotEntry.objects.filter(round=ballot, status=BallotEntry.Status.ENTERED).update(
        status=lost, tier=0, drawn_choices=F("choices"), updated_at=Now()
    )


# --- the scheduler --------------------------------------------------------------------------


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


def policy_timetable(*, policy: BookingPolicy, day: dt.date) -> dict[str, dt.datetime]:
    """The ballot timetable of play date `day` under a venue's policy (Asia/Shanghai)."""
    tz = rules.local_tz()

    def at(days: int, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day - dt.timedelta(days=days), time, tzinfo=tz)

    opens_at = at(policy.ballot_open_days, policy.ballot_open_time)
    return {
        "opens_at": opens_at,
        "closes_at": opens_at + dt.timedelta(hours=policy.ballot_open_hours),
        "draws_at": at(policy.ballot_draw_days, policy.ballot_draw_time),
        "pay_by": at(policy.ballot_pay_days, policy.ballot_pay_time),
        "releases_at": at(policy.ballot_release_days, policy.ballot_release_time),
    }


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
        policy = _policy(venue)
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
                .exclude(pk__in=_slots_held_by_rounds(now))
                .values_list("pk", flat=True)
            )
            if not slot_ids:
                continue
            try:
                create_round(
                    venue_id=venue.pk,
                    slot_ids=slot_ids,
                    opens_at=times["opens_at"],
                    closes_at=times["closes_at"],
                    draws_at=times["draws_at"],
                    pay_by=times["pay_by"],
                    releases_at=times["releases_at"],
                    max_choices=policy.ballot_max_choices,
                    by_policy=True,
                    now=now,
                )
                made += 1
            except (IntegrityError, InvalidRoundError) as exc:  # another scheduler was first
                logger.info("no ballot round for venue %s on %s: %s", venue.pk, day, exc)
    return made
