"""`manage.py generate_slots --days N [--venue ID] [--start YYYY-MM-DD]`: roll the slot window."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from booking.rules import local_date
from booking.slots import MAX_DAYS, generate_slots
from common.errors import DomainError
from venues.models import Venue


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--start must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Create and update slots from opening rules and closures (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=8, help=f"1..{MAX_DAYS} (default 8)")
        parser.add_argument("--venue", type=int, help="only this venue id")
        parser.add_argument("--start", type=_date, help="first day (default: today, Asia/Shanghai)")

    def handle(self, *args: Any, **options: Any) -> None:
        venue = None
        if options["venue"] is not None:
            venue = Venue.objects.filter(pk=options["venue"]).first()
            if venue is None:
                raise CommandError(f"No venue with id {options['venue']}.")
        start = options["start"] or local_date(timezone.now())
        try:
            summary = generate_slots(start=start, days=options["days"], venue=venue)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        scope = f"venue {venue.pk} ({venue})" if venue else "all venues"
        last = start + dt.timedelta(days=summary.days - 1)
        self.stdout.write(f"Slots for {scope}, {start} to {last} ({summary.resources} resources):")
        for name in ("created", "updated", "closed", "reopened", "unchanged"):
            self.stdout.write(f"  {name:<16}{getattr(summary, name)}")
        self.stdout.write(f"  {'kept_booked':<16}{summary.kept_booked}  (booked: terms kept)")
        self.stdout.write(
            f"  {'skipped_overlap':<16}{summary.skipped_overlap}  (overlap a booked slot)"
        )
        self.stdout.write(self.style.SUCCESS("Done."))
