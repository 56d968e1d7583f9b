"""PostgreSQL only: no two active bookings of an exclusive resource overlap in time.

This is the safety net behind the slot row (see booking.services.place_booking); SQLite has no
exclusion constraints and relies on the slot row alone, with one writer at a time.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap_exclusive
EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
WHERE (exclusive AND status IN ('held', 'confirmed', 'checked_in'))
"""
DROP = "ALTER TABLE booking_booking DROP CONSTRAINT IF EXISTS booking_no_overlap_exclusive"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(create, drop),
    ]
