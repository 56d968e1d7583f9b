"""The statements of the booking transaction, in lock order: slot row, then the resident's row.

Each is one hand-written statement on the hot path of a rush (see docs/architecture.md,
"Locking recipe"). Call them inside `transaction.atomic()`.
"""

import datetime as dt
import json
import logging
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from booking import signals
from booking.models import Booking, Slot
from booking.selectors import booking_reader
from common import transactions
from common.models import Notice

logger = logging.getLogger(__name__)


def take_places_and_lock_resident(*, slot_id: int, places: int, user_id: int) -> bool:
    """Take `places` from an open slot if it still has them, then lock the resident's row;
    False when the slot has not the places (and nothing is locked). Also bounds the lock
    waits of the rest of the transaction (as `common.transactions.set_lock_timeout` would).

    The conditional UPDATE is the arbiter of a rush: a loser matches no row; the winner holds
    the slot row's lock until commit, so concurrent takers queue on it and re-check `remaining`
    once it is released: a slot never sells more than its places.

    The resident's row lock (FOR NO KEY UPDATE, which does not block inserts that merely
    reference the user, such as bookings) serialises one resident's booking transactions, so
    that the limits, read by the next statement, see every booking they have committed. On
    PostgreSQL all of it is one statement: the lock timeout is set before the UPDATE can wait
    (the UPDATE joins its row), and the resident's row is locked only after the slot's and only
    if the UPDATE returned it (it reads the UPDATE's output): the lock order stays slot row,
    then resident row. SQLite has neither row locks nor lock timeouts: one writer at a time.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Slot._meta.db_table} SET remaining = remaining - %s "
                "WHERE id = %s AND is_closed = %s AND remaining >= %s",
                [places, slot_id, False, places],
            )
            return bool(cursor.rowcount == 1)
    slots, users = Slot._meta.db_table, get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH bounded AS (SELECT set_config('lock_timeout', %s, true)),
            taken AS (
              UPDATE {slots} SET remaining = remaining - %s FROM bounded
              WHERE {slots}.id = %s AND {slots}.is_closed = %s AND {slots}.remaining >= %s
              RETURNING {slots}.id
            ),
            locked AS (
              SELECT u.id FROM {users} u WHERE u.id = %s AND EXISTS (SELECT 1 FROM taken)
              FOR NO KEY UPDATE OF u
            )
            SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM locked)
            """,
            [str(transactions.lock_timeout_ms()), places, slot_id, False, places, user_id],
        )
        taken, _locked = cursor.fetchone()
        return bool(taken == 1)


def take_places_in_bulk(wanted: dict[int, int]) -> int:
    """Take `wanted[slot_id]` places from each open slot that still has them, in one
    statement (slot rows locked in id order); returns how many slots gave their places.

    For an allocation that gives out many slots at once (a ballot draw). A count below
    `len(wanted)` means some slot had not the places: the caller must roll back.
    """
    if not wanted:
        return 0
    ids = sorted(wanted)
    if connection.vendor != "postgresql":
        taken = 0
        with connection.cursor() as cursor:
            for slot_id in ids:
                cursor.execute(
                    f"UPDATE {Slot._meta.db_table} SET remaining = remaining - %s "
                    "WHERE id = %s AND is_closed = %s AND remaining >= %s",
                    [wanted[slot_id], slot_id, False, wanted[slot_id]],
                )
                taken += cursor.rowcount
        return taken
    slots = Slot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH w AS (SELECT * FROM unnest(%s::bigint[], %s::int[]) AS w(id, n)),
            locked AS (
              SELECT s.id FROM {slots} s JOIN w ON w.id = s.id ORDER BY s.id FOR NO KEY UPDATE OF s
            )
            UPDATE {slots} s SET remaining = s.remaining - w.n FROM w, locked
            WHERE s.id = w.id AND locked.id = s.id AND s.is_closed = false AND s.remaining >= w.n
            """,
            [ids, [wanted[i] for i in ids]],
        )
        return int(cursor.rowcount)


# The columns that differ from one allocated booking to the next; every other column takes the
# value of the first booking (defaults, the same status times), prepared once.
_VARYING = (
    "slot_id", "resource_id", "resident_id", "starts_at", "ends_at", "exclusive", "party_size",
    "places", "price", "status", "hold_expires_at", "confirmed_at",
)  # fmt: skip


def insert_bookings_in_bulk(*, template: Booking, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT many new bookings (a ballot draw's winners); returns their ids, in `rows` order.

    Each row gives the `_VARYING` columns by attname; every other column takes `template`'s
    value (defaults, prepared once) and each booking a fresh `uid`. On PostgreSQL one statement
    reads the rows from a JSON array, without building a model instance per booking (which
    costs seconds for tens of thousands); elsewhere `bulk_create`.
    """
    if not rows:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        made = Booking.objects.bulk_create(
            [Booking(**{**_template_values(template), **row}) for row in rows], batch_size=500
        )
        return [b.pk for b in made]
    quote = db.ops.quote_name
    fields = [f for f in Booking._meta.concrete_fields if not f.primary_key]
    columns, selected, params, record = [], [], [], []
    for f in fields:
        columns.append(quote(cast(str, f.column)))
        if f.attname == "uid":
            selected.append("gen_random_uuid()")
        elif f.attname in _VARYING:
            selected.append(f"r.{quote(f.attname)}")
            record.append(f"{quote(f.attname)} {f.db_type(db)}")
        else:
            selected.append("%s")
            params.append(f.get_db_prep_save(f.pre_save(template, True), db))
    sql = (
        f"INSERT INTO {Booking._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} "
        f"FROM jsonb_to_recordset(%s::jsonb) AS r({', '.join(record)}) "
        "RETURNING id, slot_id, resident_id"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, json.dumps(rows, default=str)])
        ids = {(slot_id, resident_id): pk for pk, slot_id, resident_id in cursor.fetchall()}
    # (slot, resident) is unique among active bookings (booking_one_active_per_resident_slot)
    return [ids[(row["slot_id"], row["resident_id"])] for row in rows]


def _template_values(template: Booking) -> dict[str, Any]:
    return {
        f.attname: getattr(template, f.attname)
        for f in Booking._meta.concrete_fields
        if not f.primary_key and f.attname not in ("uid", *_VARYING)
    }


def give_back_places(*, slot_id: int, places: int) -> None:
    """Return places to a slot (cancellation, expiry, a released hold or no-show): the one
    give-back path. The check constraint refuses overflow.

    Once the caller's transaction commits, `signals.places_freed` tells the apps that hand out
    freed places (the waiting list) about them; a receiver's failure is logged, never raised.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Slot._meta.db_table} SET remaining = remaining + %s WHERE id = %s",
            [places, slot_id],
        )
    transaction.on_commit(lambda: _announce_freed(slot_id=slot_id, count=places))


def _announce_freed(*, slot_id: int, count: int) -> None:
    for receiver, result in signals.places_freed.send_robust(
        sender=Slot, slot_id=slot_id, count=count
    ):
        if isinstance(result, Exception):
            logger.error(
                "places_freed receiver %r failed for slot %s", receiver, slot_id, exc_info=result
            )


def list_active_bookings(
    *, resident_id: int, venue_id: int, starts_from: dt.datetime, starts_before: dt.datetime
) -> list[Booking]:
    """The resident's held, confirmed and checked-in bookings at a venue in a time range."""
    reader = booking_reader()
    statuses = ", ".join(["%s"] * len(Booking.ACTIVE_STATUSES))
    db = connections[DEFAULT_DB_ALIAS]
    adapt = db.ops.adapt_datetimefield_value
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {reader.sql} FROM {Booking._meta.db_table} b "
            f"WHERE b.resident_id = %s AND b.venue_id = %s AND b.status IN ({statuses}) "
            "AND b.starts_at >= %s AND b.starts_at < %s",
            [
                resident_id,
                venue_id,
                *(status.value for status in Booking.ACTIVE_STATUSES),
                adapt(starts_from),
                adapt(starts_before),
            ],
        )
        return [reader.instance(row, db) for row in cursor.fetchall()]


# Per database vendor and whether a confirmation notice goes in too: fields and statement(s).
_inserts: dict[tuple[str, bool], tuple[list[Any], str, str]] = {}
_NOTICE_COLUMNS = ("kind", "ref", "created_at", "due_at", "attempts", "last_error", "outcome")


def insert_booking(booking: Booking) -> None:
    """INSERT a new Booking built in memory and set its id: what `save()` does for a new row,
    with the fields' own conversions, minus the ORM's per-call query compilation.

    A confirmed booking owes its resident a confirmation: its outbox row
    (`common.models.Notice`, kind `Booking.CONFIRMATION_NOTICE`) is inserted in the same
    transaction, so it exists if and only if the booking commits; on PostgreSQL by the same
    statement, which costs no extra round trip.
    """
    # The connection itself, not the `connection` proxy: each field's conversion reads it.
    db = connections[DEFAULT_DB_ALIAS]
    owes_notice = booking.status == Booking.Status.CONFIRMED
    key = (db.vendor, owes_notice)
    if key not in _inserts:
        _inserts[key] = _insert_statements(db, owes_notice=owes_notice)
    fields, sql, notice_sql = _inserts[key]
    values = [f.get_db_prep_save(f.pre_save(booking, True), db) for f in fields]
    if owes_notice:
        at = db.ops.adapt_datetimefield_value(booking.confirmed_at)
        notice_values = [Booking.CONFIRMATION_NOTICE, at, at, 0, "", ""]
    with db.cursor() as cursor:
        if owes_notice and not notice_sql:  # one statement: booking, then its notice
            cursor.execute(sql, values + notice_values)
            booking.pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, values)
            returning = db.features.can_return_columns_from_insert
            booking.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
            if notice_sql:
                cursor.execute(notice_sql, [notice_values[0], booking.pk, *notice_values[1:]])
    booking._state.adding = False
    booking._state.db = db.alias


def _insert_statements(db: Any, *, owes_notice: bool) -> tuple[list[Any], str, str]:
    """The booking's INSERT (with the notice's on PostgreSQL) and, elsewhere, the notice's."""
    fields = [f for f in Booking._meta.concrete_fields if not f.primary_key]
    quote = db.ops.quote_name
    sql = (
        f"INSERT INTO {Booking._meta.db_table} ({', '.join(quote(cast(str, f.column)) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning = db.features.can_return_columns_from_insert
    if not owes_notice:
        return fields, f"{sql} RETURNING id" if returning else sql, ""
    notice_columns = ", ".join(quote(column) for column in _NOTICE_COLUMNS)
    if db.vendor == "postgresql":
        # The notice's values follow the booking's: kind, then (ref from the insert) the rest.
        return (
            fields,
            f"WITH b AS ({sql} RETURNING id) "
            f"INSERT INTO {Notice._meta.db_table} ({notice_columns}) "
            "SELECT %s, b.id, %s, %s, %s, %s, %s FROM b RETURNING ref",
            "",
        )
    notice_sql = (
        f"INSERT INTO {Notice._meta.db_table} ({notice_columns}) "
        f"VALUES ({', '.join(['%s'] * len(_NOTICE_COLUMNS))})"
    )
    return fields, f"{sql} RETURNING id" if returning else sql, notice_sql
