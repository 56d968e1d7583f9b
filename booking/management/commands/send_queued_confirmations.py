"""`manage.py send_queued_confirmations`: queue the confirmation e-mails of new bookings (also a
beat job, every few seconds)."""

from typing import Any

from django.core.management.base import BaseCommand

from booking import notifications


class Command(BaseCommand):
    help = "Turn the booking ids queued on Redis by new bookings into confirmation e-mail tasks."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = notifications.send_queued_confirmations()
        self.stdout.write(f"Queued {queued} confirmation(s).")
