"""`manage.py mark_no_shows`: confirmed bookings of ended slots without check-in become no-shows."""

from typing import Any

from django.core.management.base import BaseCommand

from booking import standing


class Command(BaseCommand):
    help = "Mark ended, unchecked-in bookings as no-shows and record a strike for each."

    def handle(self, *args: Any, **options: Any) -> None:
        marked = standing.mark_no_shows()
        self.stdout.write(f"Marked {marked} no-show(s).")
