"""What booking asks this app through `booking.hooks`: is a slot still a ballot's?

A slot belongs to a ballot from the moment a round includes it until the round has been
drawn and its `releases_at` has passed; meanwhile first-come bookings of it are refused with
422 `ballot` and availability marks it `"allocation": "ballot"`. A round that missed its
draw keeps its slots until it is drawn: leftovers never go first-come before the ballot.
"""

import datetime as dt

from django.db.models import OuterRef, Q, Subquery

from allocation.models import BallotRound
from booking.exceptions import AllocatedByBallotError
from booking.hooks import BookingGate

BALLOT = "ballot"


def holds(now: dt.datetime, *, prefix: str = "") -> Q:
    """Rounds that hold their slots at `now`: undrawn, or drawn and not yet released."""
    return Q(**{f"{prefix}drawn_at__isnull": True}) | Q(**{f"{prefix}releases_at__gt": now})


def holding_round(now: dt.datetime) -> Subquery:
    """The slot allocator: per Slot row, the id of the round holding it at `now`, or NULL."""
    through = BallotRound.slots.through.objects.filter(slot_id=OuterRef("pk")).filter(
        holds(now, prefix="ballotround__")
    )
    return Subquery(through.order_by().values("ballotround_id")[:1])


def refuse_ballot_slot() -> BookingGate:
    """The booking gate: refuses with AllocatedByBallotError a slot a ballot still holds.

    The rule is `holds`', in SQL: the gate runs on every booking attempt and booking.hooks
    asks all gates in one raw statement (tests/allocation/test_draw.py checks both agree)."""
    through = BallotRound.slots.through._meta.db_table
    sql = (
        f"SELECT r.id FROM {through} rs JOIN {BallotRound._meta.db_table} r "
        "ON r.id = rs.ballotround_id WHERE rs.slot_id = %(slot)s "
        "AND (r.drawn_at IS NULL OR r.releases_at > %(now)s) LIMIT 1"
    )
    return BookingGate(
        name=BALLOT,
        sql=sql,
        refuse=lambda round_id: AllocatedByBallotError(extra={"ballot": round_id}),
    )
