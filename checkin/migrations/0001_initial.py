"""GateDevice and CheckIn, taken over from the booking app (its migration 0008 lets them go).

State only: the tables `booking_gatedevice` and `booking_checkin` already exist (booking
migration 0003) and keep their rows. Their content types are relabelled from `booking` to
`checkin`, so that the permissions on them, and the groups and users holding those, stay.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = ('gatedevice', 'checkin')


def relabel_content_types(from_label, to_label):  # type: ignore[no-untyped-def]
    def relabel(apps, schema_editor):  # type: ignore[no-untyped-def]
        content_type = apps.get_model('contenttypes', 'ContentType')
        rows = content_type.objects.using(schema_editor.connection.alias)
        for model in MOVED_MODELS:
            # A fresh database has no content types yet (post_migrate makes them after the
            # last migration): then there is nothing to relabel. If the new label exists
            # already, the old row is left for `remove_stale_contenttypes`.
            if not rows.filter(app_label=to_label, model=model).exists():
                rows.filter(app_label=from_label, model=model).update(app_label=to_label)

    return relabel


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('booking', '0008_checkin_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('venues', '0002_bookingpolicy_checkin_required'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='GateDevice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('is_active', models.BooleanField(default=True)),
                        ('last_seen_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('venue', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='gate_devices', to='venues.venue')),
                    ],
                    options={
                        'db_table': 'booking_gatedevice',
                        'ordering': ['venue_id', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='CheckIn',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField()),
                        ('allowed', models.BooleanField()),
                        ('reason', models.CharField(blank=True, max_length=30)),
                        ('booking', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='checkins', to='booking.booking')),
                        ('staff', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('device', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='checkins', to='checkin.gatedevice')),
                    ],
                    options={
                        'db_table': 'booking_checkin',
                        'ordering': ['-at', '-id'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            relabel_content_types('booking', 'checkin'),
            reverse_code=relabel_content_types('checkin', 'booking'),
        ),
    ]
