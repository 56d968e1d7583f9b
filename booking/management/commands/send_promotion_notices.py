"""`manage.py send_promotion_notices`: tell residents promoted from a waiting list (also a beat job)."""

from typing import Any

from django.core.management.base import BaseCommand

from booking import notifications


class Command(BaseCommand):
    help = "E-mail residents whose event registration moved up from the waiting list; once each."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notifications.send_promotion_notices()
        self.stdout.write(f"Sent {sent} promotion notice(s).")
