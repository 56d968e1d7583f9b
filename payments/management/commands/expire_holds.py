"""`manage.py expire_holds`: release unpaid holds past their expiry (also a Celery beat job)."""

from typing import Any

from django.core.management.base import BaseCommand

from payments import sweeps


class Command(BaseCommand):
    help = (
        "Expire held bookings and event registrations past hold_expires_at, release their "
        "places, cancel their intents."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        expired = sweeps.expire_holds()
        refunded = sweeps.retry_pending_refunds()
        self.stdout.write(f"Expired {expired} hold(s); issued {refunded} pending refund(s).")
