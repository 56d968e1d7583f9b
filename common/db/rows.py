"""Rows of hand-written SELECTs turned into model instances, as the ORM would build them.

Where compiling an ORM query costs more CPU than the database spends running it (the booking
rush: `booking.selectors.get_slot_for_booking`, `booking.locking`, the API's token lookup in
`api.fastpath.authentication`), the SQL is written by hand and `RowReader` decodes its columns
with the backend's and the fields' own converters, so that PostgreSQL and SQLite give the same
Python values as a queryset would. tests/common/test_rows.py compares it with the ORM.
"""

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


class RowReader:
    """Turns columns of a hand-written SELECT into model instances, as the ORM would.

    The columns are the concrete fields of `model` (or only `fields`, attnames, the primary
    key among them) under a table alias, in field order; values go through the backend's and
    the field's converters (SQLite returns text for datetimes). Fields left out are deferred,
    as with `QuerySet.only()`: Django loads one when it is first read. Used where compiling an
    ORM query would cost more than running it.
    """

    def __init__(self, model: type[Model], alias: str, fields: Sequence[str] | None = None) -> None:
        self.model = model
        self.fields: list[Field[Any, Any]] = [
            f for f in model._meta.concrete_fields if fields is None or f.attname in fields
        ]
        self.attnames = [f.attname for f in self.fields]
        assert model._meta.pk is not None and model._meta.pk.attname in self.attnames
        self.cols = [f.get_col(alias) for f in self.fields]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(cast(str, f.column))}" for f in self.fields)
        self.width = len(self.fields)
        self._converters: dict[str, list[list[Callable[..., Any]]]] = {}
        self._converting_by_vendor: dict[str, list[tuple[int, list[Callable[..., Any]]]]] = {}

    def converters(self, db: BaseDatabaseWrapper | None = None) -> list[list[Callable[..., Any]]]:
        db = db or connections[DEFAULT_DB_ALIAS]
        if db.vendor not in self._converters:
            self._converters[db.vendor] = [
                db.ops.get_db_converters(col) + col.get_db_converters(db) for col in self.cols
            ]
        return self._converters[db.vendor]

    def convert(self, attname: str, value: Any, db: BaseDatabaseWrapper | None = None) -> Any:
        db = db or connections[DEFAULT_DB_ALIAS]
        index = self.attnames.index(attname)
        for converter in self.converters(db)[index]:
            value = converter(value, self.cols[index], db)
        return value

    def instance(self, row: Sequence[Any], db: BaseDatabaseWrapper | None = None) -> Any:
        # The connection itself, once: each attribute read through the `connection` proxy
        # looks it up again (a tenth of this method's time, five instances per attempt). A
        # caller building several instances passes it: finding it costs as much again.
        db = db or connections[DEFAULT_DB_ALIAS]
        values = list(row)
        for index, converters in self._converting(db):
            value, col = values[index], self.cols[index]
            for converter in converters:
                value = converter(value, col, db)
            values[index] = value
        # `receivers` first: a plain list, empty unless some model has init signals at all,
        # where `has_listeners` costs a few microseconds per call (five instances per attempt).
        if (pre_init.receivers or post_init.receivers) and (
            pre_init.has_listeners(self.model) or post_init.has_listeners(self.model)
        ):
            return self.model.from_db(db.alias, self.attnames, values)
        # What `from_db` builds, without `Model.__init__`'s per-field setattr loop and its two
        # signals (none connected): a tenth of a refused attempt's read went there.
        obj = self.model.__new__(self.model)
        obj.__dict__.update(zip(self.attnames, values, strict=True))
        obj._state = state = ModelState()
        state.adding = False
        state.db = db.alias
        return obj

    def _converting(self, db: BaseDatabaseWrapper) -> list[tuple[int, list[Callable[..., Any]]]]:
        """(index, converters) of the columns that have converters on this connection."""
        if db.vendor not in self._converting_by_vendor:
            self._converting_by_vendor[db.vendor] = [
                (index, converters)
                for index, converters in enumerate(self.converters(db))
                if converters
            ]
        return self._converting_by_vendor[db.vendor]
