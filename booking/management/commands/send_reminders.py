"""`manage.py send_reminders`: send due 24-hour and 2-hour reminders (also a Celery beat job)."""

from typing import Any

from django.core.management.base import BaseCommand

from booking import notifications


class Command(BaseCommand):
    help = "E-mail the booking reminders that are due; none is sent twice."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notifications.send_reminders()
        self.stdout.write(f"Sent {sent} reminder(s).")
