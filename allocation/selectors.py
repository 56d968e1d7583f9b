"""Reads of the allocation app: rounds, a resident's entries, a round's public results."""

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from allocation import draw as v1
from allocation.exceptions import BallotNotDrawnError, BallotNotFoundError, EntryNotFoundError
from allocation.models import BallotEntry, BallotRound
from common.errors import InvalidInputError

STATUSES = tuple(BallotRound.Status.values)


def _status_q(status: str, now: dt.datetime) -> Q:
    if status == BallotRound.Status.DRAWN:
        return Q(drawn_at__isnull=False)
    undrawn = Q(drawn_at__isnull=True)
    if status == BallotRound.Status.SCHEDULED:
        return undrawn & Q(opens_at__gt=now)
    if status == BallotRound.Status.OPEN:
        return undrawn & Q(opens_at__lte=now, closes_at__gt=now)
    return undrawn & Q(closes_at__lte=now)


def list_rounds(
    *,
    venue_id: int | None = None,
    date: dt.date | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[BallotRound]:
    """Rounds, latest play date first, with their slot ids and live entry counts.

    Raises InvalidInputError (code `invalid_filter`) for an unknown status.
    """
    now = now or timezone.now()
    rounds = BallotRound.objects.all()
    if venue_id is not None:
        rounds = rounds.filter(venue_id=venue_id)
    if date is not None:
        rounds = rounds.filter(date=date)
    if status is not None:
        if status not in STATUSES:
            raise InvalidInputError(
                f"status must be one of {', '.join(STATUSES)}.",
                code="invalid_filter",
                fields={"status": [f"One of {', '.join(STATUSES)}."]},
            )
        rounds = rounds.filter(_status_q(status, now))
    return (
        rounds.annotate(
            entries_count=Count("entries", filter=~Q(entries__status="withdrawn"), distinct=True)
        )
        .select_related("venue")
        .prefetch_related("slots__resource")
        .order_by("-date", "-id")
    )


def get_round(*, round_id: Any) -> BallotRound:
    """One round, as in `list_rounds`. Raises BallotNotFoundError (also for a malformed id)."""
    try:
        pk = int(round_id)
    except (TypeError, ValueError) as exc:
        raise BallotNotFoundError() from exc
    found = list_rounds().filter(pk=pk).first()
    if found is None:
        raise BallotNotFoundError()
    return found


def list_entries_for(
    *, user: AbstractBaseUser, round_id: int | None = None
) -> QuerySet[BallotEntry]:
    """The user's own entries, newest first, with their rounds."""
    entries = BallotEntry.objects.filter(resident_id=user.pk).select_related("round__venue")
    if round_id is not None:
        entries = entries.filter(round_id=round_id)
    return entries.order_by("-created_at", "-id")


def get_entry_for(*, user: AbstractBaseUser, entry_id: Any) -> BallotEntry:
    """One of the user's entries; another's is EntryNotFoundError like a missing one."""
    try:
        pk = int(entry_id)
    except (TypeError, ValueError) as exc:
        raise EntryNotFoundError() from exc
    entry = list_entries_for(user=user).filter(pk=pk).first()
    if entry is None:
        raise EntryNotFoundError()
    return entry


def get_results(*, round_id: Any) -> dict[str, Any]:
    """A drawn round's public results (design.md): enough to recompute the draw, no names.

    Adds to the contract `slots`: each slot's room at the draw (`exclusive`, `places`), which
    the recomputation needs, and `order`: the tickets in draw order.

    Raises BallotNotFoundError, BallotNotDrawnError.
    """
    ballot = get_round(round_id=round_id)
    if ballot.drawn_at is None:
        raise BallotNotDrawnError()
    # An entry the draw left as it was lost in tier 0 with all its choices (BallotEntry.outcome).
    rows = list(
        BallotEntry.objects.filter(round=ballot)
        .exclude(status=BallotEntry.Status.WITHDRAWN)
        .values_list(
            "ticket",
            Coalesce("tier", 0),
            Coalesce("drawn_choices", "choices"),
            "party_size",
            "won_slot_id",
        )
    )
    seed = ballot.seed
    # In draw order: (tier, HMAC of the ticket).
    rows.sort(key=lambda row: v1.order_key(seed=seed, entry=v1.DrawEntry(row[0], row[1], (), 0)))
    entries = [
        {
            "ticket": ticket,
            "tier": tier,
            "choices": list(choices or []),
            "party_size": party_size,
            "won_slot": won_slot,
        }
        for ticket, tier, choices, party_size, won_slot in rows
    ]
    return {
        "round": ballot.pk,
        "algorithm": v1.ALGORITHM,
        "commitment": ballot.commitment,
        "seed": seed,
        "venue": ballot.venue_id,
        "date": ballot.date.isoformat(),
        "drawn_at": ballot.drawn_at.isoformat(),
        "slots": [
            {"id": int(pk), "exclusive": room[0], "places": room[1]}
            for pk, room in sorted(ballot.drawn_slots.items(), key=lambda kv: int(kv[0]))
        ],
        "entries": entries,
    }
