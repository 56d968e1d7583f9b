"""`manage.py load_demo`: demo venues, slots for the booking window, users and events.

Idempotent: running it again refreshes the same rows and creates nothing twice.
"""

import importlib
import importlib.util
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from booking.rules import local_date
from booking.slots import generate_slots
from venues import demo as venues_demo


class Command(BaseCommand):
    help = "Load the Luohu demo venues, slots, users (and events when events/demo.py exists)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=8, help="days of slots from today (default 8: today + 7)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            venues = venues_demo.load_venues(stdout=self.stdout)
            users = venues_demo.load_users(stdout=self.stdout)
        start = local_date(timezone.now())
        created = updated = 0
        for venue in venues:
            summary = generate_slots(start=start, days=options["days"], venue=venue)
            created += summary.created
            updated += summary.updated + summary.closed + summary.reopened
        self.stdout.write(
            f"Slots from {start} for {options['days']} days: {created} created, {updated} updated."
        )
        self._load_events()
        self.stdout.write(self.style.SUCCESS("\nDemo logins (username / password):"))
        for user in users:
            self.stdout.write(f"  {user.username:<10} / {user.password:<15} {user.role}")

    def _load_events(self) -> None:
        # Hook for the events app's demo data; find_spec first so that an ImportError raised
        # inside events/demo.py is a real error, not "no events demo".
        if importlib.util.find_spec("events.demo") is None:
            return
        events_demo = importlib.import_module("events.demo")
        if callable(getattr(events_demo, "load", None)):
            events_demo.load(stdout=self.stdout)
