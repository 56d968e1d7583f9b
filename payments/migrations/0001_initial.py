"""Payment and StripeEvent, taken over from the booking app (its migration 0009 lets them go).

State only: the tables `booking_payment` and `booking_stripeevent` already exist (booking
migrations 0003 and 0005) and keep their rows, constraints and indexes. Their content types are
relabelled from `booking` to `payments`, so that admin log entries about them, the permissions
on them, and the groups and users holding those, stay.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

MOVED_MODELS = ('payment', 'stripeevent')


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
        ('booking', '0009_payments_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('events', '0003_registration_held'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Payment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=8)),
                        ('currency', models.CharField(default='cny', max_length=3)),
                        ('status', models.CharField(choices=[('requires_payment', 'Awaiting payment'), ('succeeded', 'Paid'), ('failed', 'Payment failed'), ('canceled', 'Canceled (not paid)'), ('refund_pending', 'Refund pending'), ('refunded', 'Refunded')], db_index=True, default='requires_payment', max_length=16)),
                        ('payment_method_types', models.JSONField(blank=True, default=list)),
                        ('stripe_payment_intent_id', models.CharField(blank=True, max_length=255, null=True, unique=True)),
                        ('stripe_client_secret', models.CharField(blank=True, max_length=255)),
                        ('amount_refunded', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=8)),
                        ('stripe_refund_id', models.CharField(blank=True, max_length=255)),
                        ('refund_reason', models.CharField(blank=True, max_length=40)),
                        ('last_error', models.TextField(blank=True)),
                        ('succeeded_at', models.DateTimeField(blank=True, null=True)),
                        ('refunded_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('booking', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payment', to='booking.booking')),
                        ('registration', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payment', to='events.registration')),
                    ],
                    options={
                        'db_table': 'booking_payment',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [
                            models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_amount_positive'),
                            models.CheckConstraint(condition=models.Q(('amount_refunded__gte', 0), ('amount_refunded__lte', models.F('amount'))), name='payment_refund_within_amount'),
                            models.CheckConstraint(condition=models.Q(models.Q(('booking__isnull', False), ('registration__isnull', True)), models.Q(('booking__isnull', True), ('registration__isnull', False)), _connector='OR'), name='payment_booking_xor_registration'),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name='StripeEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event_id', models.CharField(max_length=255, unique=True)),
                        ('type', models.CharField(max_length=100)),
                        ('outcome', models.CharField(blank=True, max_length=100)),
                        ('received_at', models.DateTimeField(auto_now_add=True)),
                        ('payment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='events', to='payments.payment')),
                    ],
                    options={
                        'db_table': 'booking_stripeevent',
                        'ordering': ['-received_at', '-id'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            relabel_content_types('booking', 'payments'),
            reverse_code=relabel_content_types('payments', 'booking'),
        ),
    ]
