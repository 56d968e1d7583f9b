"""GateDevice and CheckIn move to the checkin app (its migration 0001 takes them over).

State only: the tables `booking_gatedevice` and `booking_checkin` stay where they are, with their
rows; the checkin models name them with `db_table`.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0006_registration_notice_to_outbox'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # CheckIn first: it points at GateDevice.
                migrations.DeleteModel(name='CheckIn'),
                migrations.DeleteModel(name='GateDevice'),
            ],
            database_operations=[],
        ),
    ]
