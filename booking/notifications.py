"""E-mails to residents: booking confirmation (with an .ics), reminders, waiting-list promotion.

Senders are plain functions that the Celery tasks in `booking/tasks.py` call; `booking_confirmed`
and `registration_promoted` enqueue those tasks (in-process in the quick start). Messages are
bilingual, Chinese first, like the rest of the service.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar, Event

from booking import rules
from booking.models import Booking, RegistrationNotice, ReminderSent

logger = logging.getLogger(__name__)

# Older promotions (e.g. from before this sweep existed) are not announced any more.
PROMOTION_NOTICE_WINDOW = dt.timedelta(days=2)

# Redis list of booking ids whose confirmation e-mail is still to be queued as a task.
CONFIRMATION_QUEUE = "booking:confirmations"
_redis_clients: dict[str, redis.Redis] = {}

REMINDERS: tuple[tuple[str, dt.timedelta], ...] = (
    (ReminderSent.Kind.DAY_BEFORE, dt.timedelta(hours=24)),
    (ReminderSent.Kind.TWO_HOURS, dt.timedelta(hours=2)),
)


# --- enqueueing ----------------------------------------------------------------------------


def booking_confirmed(*, booking_id: int) -> None:
    """Queue the confirmation e-mail of a booking; never fails the caller.

    With a broker, the id goes onto a Redis list (one LPUSH over a client kept per process) and
    the `send_queued_confirmations` sweep (every few seconds under Celery beat) turns it into a
    task: a Celery publish in the request cost a successful booking about a quarter of its CPU
    (kombu builds a Redis client per publish), in a rush where the server's CPU is the limit.
    In the quick start (no broker, tasks in-process) the e-mail is sent at once.
    """
    from booking import tasks

    if not settings.CELERY_TASK_ALWAYS_EAGER and settings.REDIS_URL:
        try:
            _redis().lpush(CONFIRMATION_QUEUE, booking_id)
            return
        except Exception:  # Redis outage: try the broker (which logs if it fails too)
            logger.exception("could not queue the confirmation of booking %s", booking_id)
    _enqueue(tasks.send_booking_confirmation, booking_id)


def send_queued_confirmations(*, batch: int = 500) -> int:
    """Turn the booking ids queued by `booking_confirmed` into confirmation tasks.

    Runs in a Celery worker (beat), so the publishes happen outside any request. Ids are popped
    one batch at a time, oldest first; returns how many were queued as tasks.
    """
    from booking import tasks

    if not settings.REDIS_URL:
        return 0  # no broker: `booking_confirmed` sent each e-mail at once
    queued = 0
    while True:
        ids = _redis().rpop(CONFIRMATION_QUEUE, batch) or []
        for raw in ids:
            _enqueue(tasks.send_booking_confirmation, int(raw))
        queued += len(ids)
        if len(ids) < batch:
            return queued


def _redis() -> redis.Redis:
    """One Redis client per process and URL (thread-safe over its pool; rebuilt after fork)."""
    url = settings.REDIS_URL
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url)
    return _redis_clients[url]


def registration_promoted(*, registration_id: int) -> None:
    """Queue the e-mail telling a resident they moved from the waiting list to a place.

    Optional: the `send_promotion_notices` sweep (every minute under Celery beat) sends every
    notice anyway; an interface that knows of a promotion may call this to send it sooner.
    """
    from booking import tasks

    _enqueue(tasks.send_registration_promoted, registration_id)


def _enqueue(task: Any, *args: Any) -> None:
    try:
        task.delay(*args)
    except Exception:  # a broker outage must not turn a booking into a 500
        logger.exception("could not queue %s%s", task.name, args)


# --- senders -------------------------------------------------------------------------------


def _local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(rules.local_tz()):%Y-%m-%d %H:%M}"


def _send(*, to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]]) -> None:
    message = EmailMessage(subject=subject, body=body, to=[to])
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()


def booking_ics(booking: Booking) -> bytes:
    """A one-event calendar for a booking; UTC times, so no VTIMEZONE is needed."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Luohu Sports//Booking//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.uid}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.starts_at.astimezone(dt.UTC))
    event.add("dtend", booking.ends_at.astimezone(dt.UTC))
    event.add("summary", f"{booking.venue.name_zh} · {booking.resource.name_zh}")
    address = booking.venue.address_zh or booking.venue.address_en
    if address:
        event.add("location", address)
    event.add(
        "description",
        f"预约 #{booking.pk}，{booking.party_size} 人。请凭签到二维码入场。\n"
        f"Booking #{booking.pk} for {booking.party_size}. Show your check-in QR code.\n"
        f"{settings.SITE_URL}/bookings/{booking.pk}/",
    )
    event.add("sequence", booking.sequence)
    event.add("status", "CANCELLED" if not booking.is_active else "CONFIRMED")
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # icalendar is untyped
    return ical


def send_booking_confirmation(*, booking_id: int) -> bool:
    """E-mail a confirmed booking with its .ics. Returns whether a message was sent."""
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
    _send(
        to=booking.resident.email,
        subject=f"预约成功 Booking confirmed: {place} {when}",
        body=(
            f"您已预约 {place}，时间 {when}，{booking.party_size} 人{paid}。\n"
            f"入场时请出示签到二维码：{settings.SITE_URL}/bookings/{booking.pk}/\n\n"
            f"Your booking at {place}, {when}, for {booking.party_size} is confirmed.\n"
            f"Show the check-in QR code at the entrance: {settings.SITE_URL}/bookings/{booking.pk}/\n"
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
            f"{settings.SITE_URL}/bookings/{booking.pk}/\n\n"
            f"Reminder: your booking at {place} starts {lead_en} ({when}). If you cannot come, "
            f"please cancel in time: no-shows are recorded.\n"
        ),
        attachments=[],
    )


def send_registration_promoted(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """E-mail a resident whose waiting-list registration got a place, once. Returns whether sent.

    The `RegistrationNotice` row is written in the transaction that sends, so a repeat (the
    sweep, a retried task) never mails twice and a failed send is tried again.
    """
    from events.models import Registration

    registration = (
        Registration.objects.select_related("event", "resident")
        .filter(
            pk=registration_id,
            status=Registration.Status.CONFIRMED,
            promoted_at__isnull=False,
            promotion_notice__isnull=True,
        )
        .first()
    )
    if registration is None or not registration.resident.email:
        return False
    event = registration.event
    when = _local(event.starts_at)
    try:
        with transaction.atomic():
            RegistrationNotice.objects.create(
                registration=registration, sent_at=now or timezone.now()
            )
            _send(
                to=registration.resident.email,
                subject=f"候补成功 You have a place: {event.title_zh}",
                body=(
                    f"好消息：您已从候补名单转为正式报名：{event.title_zh}（{when}）。\n"
                    f"不能参加请及时取消，以便让给下一位。\n"
                    f"{settings.SITE_URL}/events/{event.pk}/\n\n"
                    f"Good news: a place opened up and your registration for "
                    f"{event.title_en or event.title_zh} ({when}) is now confirmed. If you "
                    f"cannot come, please cancel so the next person can go.\n"
                ),
                attachments=[],
            )
    except IntegrityError:
        return False  # sent by someone else meanwhile
    return True


def send_promotion_notices(*, now: dt.datetime | None = None) -> int:
    """Send the notice of every registration promoted in the last two days without one yet.

    The sweep behind `registration_promoted`: events.services needs no hook (and events never
    imports booking). Returns how many were sent.
    """
    from events.models import Registration

    now = now or timezone.now()
    due = Registration.objects.filter(
        status=Registration.Status.CONFIRMED,
        promoted_at__gte=now - PROMOTION_NOTICE_WINDOW,
        promotion_notice__isnull=True,
    ).values_list("pk", flat=True)
    return sum(send_registration_promoted(registration_id=pk, now=now) for pk in list(due[:500]))
