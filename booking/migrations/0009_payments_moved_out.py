"""Payment and StripeEvent move to the payments app (its migration 0001 takes them over).

State only: the tables `booking_payment` and `booking_stripeevent` stay where they are, with
their rows; the payments models name them with `db_table`.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0008_checkin_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # StripeEvent first: it points at Payment.
                migrations.DeleteModel(name='StripeEvent'),
                migrations.DeleteModel(name='Payment'),
            ],
            database_operations=[],
        ),
    ]
