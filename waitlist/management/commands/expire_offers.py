"""`manage.py expire_offers`: the waiting-list sweep, for cron or the quick start."""

from typing import Any

from django.core.management.base import BaseCommand

from waitlist import services


class Command(BaseCommand):
    help = "End waiting-list offers past their expiry and offer free places to waiting lists."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = services.expire_offers()
        self.stdout.write(f"{expired} offer(s) expired")
