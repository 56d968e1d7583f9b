"""`common.db.rows.RowReader` builds from a hand-written SELECT what the ORM builds from a query.

Runs on PostgreSQL and on SQLite (`make test-sqlite`): SQLite hands back text for datetimes,
UUIDs and decimals, which the fields' converters must turn into the same Python values.
"""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Booking
from common.db.rows import RowReader
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def select(reader: RowReader, pk: int) -> tuple:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {reader.sql} FROM {Booking._meta.db_table} b WHERE b.id = %s", [pk])
        return cursor.fetchone()


def field_values(obj: Booking) -> dict:  # type: ignore[type-arg]
    return {f.attname: getattr(obj, f.attname) for f in Booking._meta.concrete_fields}


@pytest.fixture
def booking(resident, court):  # type: ignore[no-untyped-def]
    from tests.factories import SlotFactory

    booking = BookingFactory(
        slot=SlotFactory(resource=court),
        resident=resident,
        price=Decimal("12.50"),
        idempotency_key="key-1",
        confirmed_at=timezone.now(),
        status=Booking.Status.CONFIRMED,
    )
    booking.refresh_from_db()  # the database's own rounding (microseconds on every backend)
    return booking


def test_every_column_decodes_to_what_the_orm_reads(booking):
    reader = RowReader(Booking, "b")
    built = reader.instance(select(reader, booking.pk))
    assert type(built) is Booking
    assert field_values(built) == field_values(Booking.objects.get(pk=booking.pk))
    # Converted, not text: the types the ORM hands out on every backend.
    assert isinstance(built.uid, uuid.UUID)
    assert isinstance(built.price, Decimal) and built.price == Decimal("12.50")
    assert isinstance(built.starts_at, dt.datetime) and timezone.is_aware(built.starts_at)
    assert built.hold_expires_at is None and built.cancelled_by_id is None


def test_an_instance_is_a_saved_row_of_the_default_database(booking):
    reader = RowReader(Booking, "b")
    built = reader.instance(select(reader, booking.pk))
    assert built._state.adding is False
    assert built._state.db == "default"
    assert built.get_deferred_fields() == set()
    assert built == booking  # same model, same pk


def test_fields_left_out_are_deferred_and_loaded_when_read(booking):
    reader = RowReader(Booking, "b", ("id", "status", "starts_at"))
    assert reader.width == 3
    assert reader.sql == ", ".join(
        f"b.{connection.ops.quote_name(c)}" for c in ("id", "starts_at", "status")
    )  # in the model's field order, not the order asked for
    built = reader.instance(select(reader, booking.pk))
    assert built.status == booking.status and built.starts_at == booking.starts_at
    assert "price" in built.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert built.price == Decimal("12.50")
    assert len(queries) == 1  # Django loads a deferred field on first read


def test_the_primary_key_must_be_among_the_fields():
    with pytest.raises(AssertionError):
        RowReader(Booking, "b", ("status",))


def test_convert_decodes_one_column_as_the_orm_would(booking):
    reader = RowReader(Booking, "b")
    row = select(reader, booking.pk)
    index = reader.attnames.index("confirmed_at")
    assert reader.convert("confirmed_at", row[index]) == booking.confirmed_at
    assert reader.convert("hold_expires_at", None) is None


def test_models_with_init_receivers_are_built_by_from_db_so_the_receivers_run(booking):
    seen = []

    def receiver(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(instance.pk)

    reader = RowReader(Booking, "b")
    post_init.connect(receiver, sender=Booking)
    try:
        built = reader.instance(select(reader, booking.pk))
    finally:
        post_init.disconnect(receiver, sender=Booking)
    assert seen == [booking.pk]
    assert field_values(built) == field_values(booking)
    # Disconnected again: the short construction, which no receiver sees.
    reader.instance(select(reader, booking.pk))
    assert seen == [booking.pk]
