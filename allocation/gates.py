"""What booking asks this app through `booking.hooks`: is a slot still a ballot's?

A slot belongs to a ballot from the moment a round includes it until the round has been
drawn and its `releases_at` has passed; meanwhile first-come bookings of it are refused with
422 `ballot` and availability marks it `"allocation": "ballot"`. A round that missed its
draw keeps its slots until it is drawn: leftovers never go first-come before the ballot.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from allocation.models import BallotRound
from booking.exceptions import AllocatedByBallotError
from booking.hooks import AllocationMark

BALLOT = "ballot"

_SQL = (
    "SELECT rs.slot_id, r.id FROM {through} rs JOIN {rounds} r ON r.id = rs.ballotround_id "
    "WHERE rs.slot_id = ANY(%s) AND (r.drawn_at IS NULL OR r.releases_at > %s)"
)


def _query() -> str:
    through = BallotRound.slots.through._meta.db_table
    return _SQL.format(through=through, rounds=BallotRound._meta.db_table)


def ballot_slots(slot_ids: Iterable[int], now: dt.datetime) -> dict[int, AllocationMark]:
    """The slots among `slot_ids` that a ballot round still holds at `now` (one query)."""
    ids = list(slot_ids)
    if not ids:
        return {}
    if connection.vendor != "postgresql":
        rows = (
            BallotRound.slots.through.objects.filter(slot_id__in=ids)
            .exclude(ballotround__drawn_at__isnull=False, ballotround__releases_at__lte=now)
            .values_list("slot_id", "ballotround_id")
        )
        return {slot_id: AllocationMark(BALLOT, round_id) for slot_id, round_id in rows}
    with connection.cursor() as cursor:
        cursor.execute(_query(), [ids, now])
        return {slot_id: AllocationMark(BALLOT, round_id) for slot_id, round_id in cursor}


def refuse_ballot_slot(slot_id: int, now: dt.datetime) -> None:
    """The booking gate: raise AllocatedByBallotError for a slot a ballot still holds."""
    marks = ballot_slots([slot_id], now)
    if slot_id in marks:
        round_id = marks[slot_id].ref
        raise AllocatedByBallotError(extra={"ballot": round_id})
