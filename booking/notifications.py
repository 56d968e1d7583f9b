"""E-mails to residents about their bookings: confirmation (with an .ics) and reminders.

Confirmations go through the outbox (common/notices.py): the transaction that confirms a booking
(`booking.locking.insert_booking`, `booking.holds.confirm_paid_hold`) writes a `Notice` row, and the sweeper
calls the sender registered here (`register_senders`, from the app's `ready()`), each notice
once. Reminders are swept from the bookings themselves (`send_reminders`, `ReminderSent`).
Messages are bilingual, Chinese first, like the rest of the service.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from booking import rules
from booking.feeds import booking_ics
from booking.models import Booking, ReminderSent
from common import notices
from common.urls import absolute_url

logger = logging.getLogger(__name__)

REMINDERS: tuple[tuple[str, dt.timedelta], ...] = (
    (ReminderSent.Kind.DAY_BEFORE, dt.timedelta(hours=24)),
    (ReminderSent.Kind.TWO_HOURS, dt.timedelta(hours=2)),
)


def register_senders() -> None:
    """Tell the outbox which function sends each kind of notice this app's mails cover."""
    notices.register_sender(
        Booking.CONFIRMATION_NOTICE, lambda ref: send_booking_confirmation(booking_id=ref)
    )


# --- senders -------------------------------------------------------------------------------


def _local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(rules.local_tz()):%Y-%m-%d %H:%M}"


def _send(*, to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]]) -> None:
    message = EmailMessage(subject=subject, body=body, to=[to])
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()


def send_booking_confirmation(*, booking_id: int) -> bool:
    """E-mail a confirmed booking with its .ics. Returns whether a message was sent (False when
    there is nothing to send: the booking is no longer confirmed, or the resident has no
    address). The sender of `Booking.CONFIRMATION_NOTICE`."""
    booking = (
        Booking.objects.select_related("venue", "resource", "resident")
        .filter(pk=booking_id, status=Booking.Status.CONFIRMED)
        .first()
    )
    if booking is None or not booking.resident.email:
        return False
    when = f"{_local(booking.starts_at)}–{booking.ends_at.astimezone(rules.local_tz()):%H:%M}"
    place = f"{booking.venue.name_zh} · {booking.resource.name_zh}"
    paid = f"，已付 ¥{booking.price}" if booking.price else ""
    link = absolute_url("/me/bookings/")
    _send(
        to=booking.resident.email,
        subject=f"预约成功 Booking confirmed: {place} {when}",
        body=(
            f"您已预约 {place}，时间 {when}，{booking.party_size} 人{paid}。\n"
            f"入场时请出示签到二维码：{link}\n\n"
            f"Your booking at {place}, {when}, for {booking.party_size} is confirmed.\n"
            f"Show the check-in QR code at the entrance: {link}\n"
        ),
        attachments=[(f"booking-{booking.pk}.ics", booking_ics(booking), "text/calendar")],
    )
    return True


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Send the 24-hour and 2-hour reminders that are due; each goes out at most once.

    A reminder is due when the booking starts within its lead time and was confirmed before that
    lead time began (someone who books 3 hours ahead gets the 2-hour reminder, not the 24-hour
    one). Returns how many were sent.
    """
    now = now or timezone.now()
    sent = 0
    for kind, lead in REMINDERS:
        due = (
            Booking.objects.filter(
                status=Booking.Status.CONFIRMED,
                starts_at__gt=now,
                starts_at__lte=now + lead,
            )
            .exclude(reminders__kind=kind)
            .select_related("venue", "resource", "resident")
        )
        for booking in due:
            if booking.created_at > booking.starts_at - lead or not booking.resident.email:
                continue
            try:
                # The row is the "sent" mark: written and mailed in one transaction, so a
                # failed send is retried next run and a second run never sends it again.
                with transaction.atomic():
                    ReminderSent.objects.create(booking=booking, kind=kind, sent_at=now)
                    _send_reminder(booking=booking, kind=kind)
            except IntegrityError:
                continue  # another worker sent it
            except DatabaseError:
                raise  # the connection is gone: the next run retries every reminder left
            except Exception:
                # One message the mail server refuses must not hold back the others; this one
                # is tried again on the next run.
                logger.exception("reminder %s of booking %s failed", kind, booking.pk)
                continue
            sent += 1
    return sent


def _send_reminder(*, booking: Booking, kind: str) -> None:
    place = f"{booking.venue.name_zh} · {booking.resource.name_zh}"
    when = _local(booking.starts_at)
    lead_zh, lead_en = ("明天", "tomorrow") if kind == "24h" else ("2 小时后", "in 2 hours")
    _send(
        to=booking.resident.email,
        subject=f"预约提醒 Reminder: {place} {when}",
        body=(
            f"提醒：您{lead_zh}在 {place} 有预约（{when}）。不能到场请提前取消，爽约将被记录。\n"
            f"{absolute_url('/me/bookings/')}\n\n"
            f"Reminder: your booking at {place} starts {lead_en} ({when}). If you cannot come, "
            f"please cancel in time: no-shows are recorded.\n"
        ),
        attachments=[],
    )
