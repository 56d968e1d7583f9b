"""Celery tasks of the shared code: the notice sweeper (CELERY_BEAT_SCHEDULE runs it every few
seconds; `common.notices.ring()` also asks for it right after a notice is owed)."""

from __future__ import annotations

from celery import shared_task

from common import notices


@shared_task(name=notices.SWEEP_TASK)
def send_notices() -> int:
    """Send every due unsent notice (each once; failures are retried later, never dropped)."""
    return notices.send_due_notices()
