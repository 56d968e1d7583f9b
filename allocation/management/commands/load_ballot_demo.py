"""`manage.py load_ballot_demo`: a ballot round open now and one already drawn (run after
`load_demo`; `make demo` runs both). Idempotent."""

from typing import Any

from django.core.management.base import BaseCommand

from allocation import demo


class Command(BaseCommand):
    help = "Load demo ballot rounds: one open now, one already drawn."

    def handle(self, *args: Any, **options: Any) -> None:
        demo.load(stdout=self.stdout)
