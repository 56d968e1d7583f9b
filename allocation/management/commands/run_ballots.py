"""`manage.py run_ballots`: one tick of the ballot scheduler (for cron or the quick start)."""

from typing import Any

from django.core.management.base import BaseCommand

from allocation import services


class Command(BaseCommand):
    help = "Create ballot rounds from venue policies, draw the rounds due, release leftovers."

    def handle(self, *args: Any, **options: Any) -> None:
        run = services.run_ballots()
        self.stdout.write(
            f"ballot rounds: {run.created} created, {run.drawn} drawn, {run.released} released"
        )
