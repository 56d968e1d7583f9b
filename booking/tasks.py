"""Background jobs (Celery). Periodic ones are scheduled by CELERY_BEAT_SCHEDULE in settings;
each also exists as a management command. Tasks are thin: they call one service each."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from booking import notifications, payments, rules, standing

SLOT_GENERATION_DAYS = 15  # two booking windows of a week, plus today


@shared_task(name="booking.expire_holds")
def expire_holds() -> int:
    """Release unpaid holds past their expiry (a paid event's place goes to its waiting list, who
    are told to pay); retry refunds that failed earlier."""
    expired = payments.expire_holds()
    payments.send_payment_due_notices()
    payments.retry_pending_refunds()
    return expired


@shared_task(name="booking.send_reminders")
def send_reminders() -> int:
    return notifications.send_reminders()


@shared_task(name="booking.mark_no_shows")
def mark_no_shows() -> int:
    return standing.mark_no_shows()


@shared_task(name="booking.send_promotion_notices")
def send_promotion_notices() -> int:
    """Tell residents promoted from an event's waiting list (each once)."""
    return notifications.send_promotion_notices()


@shared_task(name="booking.send_queued_confirmations")
def send_queued_confirmations() -> int:
    """Queue the confirmation e-mails of bookings made since the last run (see notifications)."""
    return notifications.send_queued_confirmations()


@shared_task(name="booking.generate_slots")
def generate_slots(days: int = SLOT_GENERATION_DAYS) -> int:
    """Keep the rolling window of slots generated from the opening rules."""
    from booking.slots import generate_slots as generate

    summary = generate(start=rules.local_date(timezone.now()), days=days)
    return summary.created


@shared_task(
    name="booking.send_booking_confirmation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_booking_confirmation(booking_id: int) -> bool:
    return notifications.send_booking_confirmation(booking_id=booking_id)


@shared_task(
    name="booking.send_registration_promoted",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_registration_promoted(registration_id: int) -> bool:
    """E-mail a resident promoted from an event's waiting list (once; the sweep also sends it)."""
    return notifications.send_registration_promoted(registration_id=registration_id)
