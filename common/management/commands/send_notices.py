"""`manage.py send_notices`: send the notices owed and not sent yet (also a Celery beat job)."""

from typing import Any

from django.core.management.base import BaseCommand

from common import notices


class Command(BaseCommand):
    help = (
        "Send every due notice of the outbox (booking confirmations, waiting-list promotions); "
        "failed ones are kept for a later attempt."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notices.send_due_notices()
        self.stdout.write(f"Sent {sent} notice(s).")
