"""`manage.py load_demo`: demo venues, slots for the booking window, users and events (config:
the wiring app may use every domain app; booking may not import events).

Idempotent: running it again refreshes the same rows and creates nothing twice.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from booking.rules import local_date
from booking.slots import generate_slots
from events import demo as events_demo
from venues import demo as venues_demo


class Command(BaseCommand):
    help = "Load the Luohu demo venues, slots, users and events."

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
        events_demo.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("\nDemo logins (username / password):"))
        for user in users:
            self.stdout.write(f"  {user.username:<10} / {user.password:<15} {user.role}")
