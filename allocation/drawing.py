"""The draw service: lock a closed round, run algorithm v1 (`allocation.draw`) over its live
entries, book the winners and write the outcomes (all but the plain losers': see
`_write_results`), in one transaction.

Idempotent and safe to run twice at once: the round row is locked `FOR UPDATE`, so a second
draw waits, finds the round drawn and returns the same outcome (lock order: allocation.services).
"""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast, Now
from django.utils import timezone

from allocation import draw as v1
from allocation.exceptions import BallotNotFoundError, BallotOpenError, NotVenueStaffError
from allocation.models import BallotEntry, BallotRound
from allocation.rounds import is_id
from booking import rules
from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.models import Booking, ResidentStanding, Slot
from common import notices
from venues.models import BookingPolicy
from venues.policies import policy_for

TIER_DAYS = 28  # wins in this venue's rounds of the previous 28 days put an entry in tier 1

# A live entry as the draw reads it: (pk, ticket, resident id, choices, party size).
EntryRow = tuple[int, str, int, list[int], int]
# A resident's active bookings around the play date: (slot id, starts at, ends at).
Booked = list[tuple[int, dt.datetime, dt.datetime]]


@dataclass(frozen=True)
class DrawOutcome:
    round: BallotRound
    drawn_now: bool  # False: the round had been drawn already (a repeat returns that outcome)


@dataclass(frozen=True, slots=True)
class EntryResult:
    """An entry's outcome, as published: its tier, allowed choices, the slot it won."""

    pk: int
    tier: int
    choices: list[int]
    won_slot: int | None
    booking: int | None


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
    if not is_id(round_id):
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
    policy = policy_for(ballot.venue)
    slots = {s.pk: s for s in ballot.slots.select_related("resource").order_by("pk")}
    rooms = {
        pk: v1.SlotRoom(
            exclusive=s.resource.exclusive,
            places=0 if s.is_closed or s.starts_at <= now else max(s.remaining, 0),
        )
        for pk, s in slots.items()
    }
    entries = _entries_to_draw(ballot)
    draw_entries = _draw_entries(
        ballot=ballot, policy=policy, slots=slots, entries=entries, now=now
    )
    outcome = v1.draw(seed=ballot.seed, entries=draw_entries, slots=rooms)
    won = [
        (pk, resident_id, party_size, slot_id)
        for pk, ticket, resident_id, _c, party_size in entries
        if (slot_id := outcome[ticket]) is not None
    ]
    booking_ids = booking_services.place_allocated_bookings(
        allocations=[
            booking_services.PlaceAllocation(
                resident_id=resident_id, slot=slots[slot_id], party_size=party_size
            )
            for _pk, resident_id, party_size, slot_id in won
        ],
        hold_until=max(ballot.pay_by, now + dt.timedelta(minutes=policy.hold_minutes)),
        now=now,
    )
    booking_of = {pk: b for (pk, *_rest), b in zip(won, booking_ids, strict=True)}
    # Most entries of a big round lose in tier 0 with all their choices allowed: those keep
    # their row as it is (BallotEntry.outcome reads them as lost); only the others are written.
    _write_results(
        rows=[
            EntryResult(
                pk=pk,
                tier=drawn.tier,
                choices=list(drawn.choices),
                won_slot=outcome[ticket],
                booking=booking_of.get(pk),
            )
            for (pk, ticket, _r, choices, _p), drawn in zip(entries, draw_entries, strict=True)
            if outcome[ticket] is not None or drawn.tier != 0 or len(drawn.choices) != len(choices)
        ]
    )
    # One notice for the whole round, fanned out to the entrants by a worker after the commit
    # (allocation.notifications): the draw's transaction stays short whatever the round's size.
    notices.owe(kind=BallotRound.RESULTS_NOTICE, refs=[ballot.pk], now=now)
    ballot.drawn_at = now
    ballot.drawn_slots = {str(pk): [r.exclusive, r.places] for pk, r in rooms.items()}
    ballot.save(update_fields=["drawn_at", "drawn_slots"])


def _draw_entries(
    *,
    ballot: BallotRound,
    policy: BookingPolicy,
    slots: dict[int, Slot],
    entries: list[EntryRow],
    now: dt.datetime,
) -> list[v1.DrawEntry]:
    """The entries as the draw sees them (`entries` order): tier, and the choices still
    allowed by the per-person rules (none for a resident suspended since entering)."""
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
    drawn = []
    for _pk, ticket, resident_id, choices, party_size in entries:
        allowed: tuple[int, ...] = ()
        if resident_id in suspended:
            pass
        elif resident_id not in booked:
            allowed = tuple(filter(alone_ok.get, choices))  # unknown slots are not allowed
        else:
            allowed = _allowed_beside(
                policy=policy, slots=slots, choices=choices, mine=booked[resident_id]
            )
        drawn.append(
            v1.DrawEntry(
                ticket=ticket,
                tier=1 if resident_id in winners_before else 0,
                choices=allowed,
                party_size=party_size,
            )
        )
    return drawn


def _allowed_beside(
    *, policy: BookingPolicy, slots: dict[int, Slot], choices: list[int], mine: Booked
) -> tuple[int, ...]:
    """The choices a resident with active bookings `mine` may still win, best first."""
    booked = [(s, e) for _id, s, e in mine]
    return tuple(
        c
        for c in choices
        if c in slots
        and all(slot_id != c for slot_id, _s, _e in mine)
        and rules.broken_limit(
            policy=policy, booked=booked, starts_at=slots[c].starts_at, ends_at=slots[c].ends_at
        )
        is None
    )


def _active_bookings(
    *, ballot: BallotRound, slots: dict[int, Slot], residents: QuerySet[Any]
) -> dict[int, Booked]:
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
    found: dict[int, Booked] = {}
    for resident_id, slot_id, starts_at, ends_at in rows:
        found.setdefault(resident_id, []).append((slot_id, starts_at, ends_at))
    return found


def _entries_to_draw(ballot: BallotRound) -> list[EntryRow]:
    """The round's live entries. Their choices are read as JSON text and decoded as one
    array: no JSON decoding per row (seconds for a city-size round)."""
    rows = list(
        BallotEntry.objects.filter(round=ballot, status=BallotEntry.Status.ENTERED)
        .annotate(choices_text=Cast("choices", TextField()))
        .values_list("pk", "ticket", "resident_id", "choices_text", "party_size")
    )
    choices = json.loads("[" + ",".join(row[3] for row in rows) + "]")
    return [
        (pk, ticket, resident_id, chosen, party_size)
        for (pk, ticket, resident_id, _text, party_size), chosen in zip(rows, choices, strict=True)
    ]


def _write_results(*, rows: Sequence[EntryResult]) -> None:
    """Write the outcome of the entries of a round being drawn that have anything to say:
    winners, tier 1, or choices left out (one statement on PostgreSQL, else row by row).

    Every other live entry lost in tier 0 with all its choices allowed and is not written at
    all: its row stays `entered`, which in a drawn round reads as lost (BallotEntry.outcome).
    A city-size round's 76,000 such rows cost 2 s to rewrite (bench/README.md).
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
        return
    for r in rows:
        BallotEntry.objects.filter(pk=r.pk).update(
            status=won if r.won_slot is not None else lost,
            tier=r.tier,
            drawn_choices=r.choices,
            won_slot_id=r.won_slot,
            booking_id=r.booking,
            updated_at=Now(),
        )
