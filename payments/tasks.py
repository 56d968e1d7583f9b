"""Background jobs of the payments app (Celery), scheduled by CELERY_BEAT_SCHEDULE in settings.

The task keeps the name it had when payments lived in the booking app (`booking.expire_holds`):
beat schedules and queued messages refer to tasks by name. It is an idempotent sweep, so a
redelivery does no harm; it also exists as `manage.py expire_holds`."""

from __future__ import annotations

from celery import shared_task

from payments import sweeps


@shared_task(name="booking.expire_holds")
def expire_holds() -> int:
    """Release unpaid holds past their expiry (a paid event's place goes to its waiting list, who
    are owed a notice telling them to pay); retry refunds that failed earlier."""
    expired = sweeps.expire_holds()
    sweeps.retry_pending_refunds()
    return expired
