"""Celery tasks of the allocation app (beat: config/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from allocation import services


@shared_task(name="allocation.run_ballots")
def run_ballots() -> dict[str, int]:
    """Create, draw and release ballot rounds that are due (see `services.run_ballots`)."""
    run = services.run_ballots()
    return {"created": run.created, "drawn": run.drawn, "released": run.released}
