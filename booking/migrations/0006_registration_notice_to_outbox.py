"""Waiting-list promotion notices move to the outbox (common.models.Notice).

Each `RegistrationNotice` (a promotion notice already sent) becomes a sent notice; a
registration promoted in the last two days and not told yet (what the old sweep would still
have sent) becomes a notice owed, which the outbox then sends.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

PROMOTION_NOTICE = "events.promoted"  # events.models.Registration.PROMOTION_NOTICE
RECENT = dt.timedelta(days=2)  # the old sweep's window


def move_to_outbox(apps, schema_editor):  # type: ignore[no-untyped-def]
    notice = apps.get_model("common", "Notice")
    registration_notice = apps.get_model("booking", "RegistrationNotice")
    registration = apps.get_model("events", "Registration")
    now = timezone.now()
    rows = [
        notice(
            kind=PROMOTION_NOTICE,
            ref=sent.registration_id,
            created_at=sent.sent_at,
            due_at=sent.sent_at,
            attempts=1,
            sent_at=sent.sent_at,
            outcome="sent",
        )
        for sent in registration_notice.objects.all()
    ]
    told = {row.ref for row in rows}
    rows += [
        notice(kind=PROMOTION_NOTICE, ref=pk, created_at=promoted_at, due_at=now)
        for pk, promoted_at in registration.objects.filter(
            promoted_at__gte=now - RECENT, status__in=["held", "confirmed"]
        ).values_list("pk", "promoted_at")
        if pk not in told
    ]
    notice.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_payment_registration"),
        ("common", "0001_initial"),
        ("events", "0003_registration_held"),
    ]

    operations = [
        migrations.RunPython(move_to_outbox, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="RegistrationNotice",
        ),
    ]
