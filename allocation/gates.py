"""What booking asks this app through `booking.hooks`: is a slot still a ballot's?

A slot belongs to a ballot from the moment a round includes it until the round has been
drawn and its `releases_at` has passed; meanwhile first-come bookings of it are refused with
422 `ballot` and availability marks it `"allocation": "ballot"`. A round that missed its
draw keeps its slots until it is drawn: leftovers never go first-come before the ballot.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from allocation.models import BallotRound
from booking.exceptions import AllocatedByBallotError

BALLOT = "ballot"

_SQL = (
    "SELECT rs.slot_id, r.id FROM {through} rs JOIN {rounds} r ON r.id = rs.ballotround_id "
    "WHERE rs.slot_id = ANY(%s) AND (r.drawn_at IS NULL OR r.releases_at > %s)"
)


def _query() -> str:
    through = BallotRound.slots.through._meta.db_table
    return _SQL.format(through=through, rounds=BallotRound._meta.db_table)


def ballot_slots(slot_ids: Iterable[int], now: dt.datetime) -> dict[int, int]:
    """{slot id: round id} for the slots among `slot_ids` a ballot round holds at `now`."""
    ids = list(slot_ids)
    if not ids:
        return {}
    if connection.vendor != "postgresql":
        rows = (
            BallotRound.slots.through.objects.filter(slot_id__in=ids)
            .filter(holds(now, prefix="ballotround__"))
            .values_list("slot_id", "ballotround_id")
        )
        return dict(rows)
    with connection.cursor() as cursor:
        cursor.execute(_query(), [ids, now])
        return dict(cursor.fetchall())


def holds(now: dt.datetime, *, prefix: str = "") -> Q:
    """Rounds that hold their slots at `now`: undrawn, or drawn and not yet released."""
    return Q(**{f"{prefix}drawn_at__isnull": True}) | Q(**{f"{prefix}releases_at__gt": now})


def holding_round(now: dt.datetime) -> Subquery:
    """The slot allocator: per Slot row, the id of the round holding it at `now`, or NULL."""
    through = BallotRound.slots.through.objects.filter(slot_id=OuterRef("pk")).filter(
        holds(now, prefix="ballotround__")
    )
    return Subquery(through.order_by().values("ballotround_id")[:1])


def refuse_ballot_slot(slot_id: int, now: dt.datetime) -> None:
    """The booking gate: raise AllocatedByBallotError for a slot a ballot still holds."""
    held = ballot_slots([slot_id], now)
    if slot_id in held:
        raise AllocatedByBallotError(extra={"ballot": held[slot_id]})
