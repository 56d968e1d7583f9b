"""Background jobs of the waiting list (Celery beat: CELERY_BEAT_SCHEDULE in settings)."""

from __future__ import annotations

from celery import shared_task

from waitlist import services


@shared_task(name="waitlist.expire_offers")
def expire_offers() -> int:
    """End offers past their expiry and offer any free places to the waiting lists."""
    return services.expire_offers()
