"""Background jobs (Celery). Periodic ones are scheduled by CELERY_BEAT_SCHEDULE in settings;
each also exists as a management command. Tasks are thin: they call one service each. The
hold-expiry sweep (`booking.expire_holds`) is the payments app's (payments/tasks.py).

Every task here is an idempotent sweep, so running one twice (a redelivery after a worker was
killed, see the CELERY_* settings) does no harm. Confirmation and promotion e-mails are not
tasks: they are outbox notices, sent by `common.send_notices` (common/notices.py)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from booking import notifications, rules, standing

SLOT_GENERATION_DAYS = 15  # two booking windows of a week, plus today


@shared_task(name="booking.send_reminders")
def send_reminders() -> int:
    return notifications.send_reminders()


@shared_task(name="booking.mark_no_shows")
def mark_no_shows() -> int:
    return standing.mark_no_shows()


@shared_task(name="booking.generate_slots")
def generate_slots(days: int = SLOT_GENERATION_DAYS) -> int:
    """Keep the rolling window of slots generated from the opening rules."""
    from booking.slots import generate_slots as generate

    summary = generate(start=rules.local_date(timezone.now()), days=days)
    return summary.created
