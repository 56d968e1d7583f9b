"""E-mails of the events app: the notice that a waiting-list registration got a place.

A promotion owes its resident a notice: `events.registrations` writes the outbox row
(`common.notices.owe`, kind `Registration.PROMOTION_NOTICE`) in the promoting transaction, and
the outbox sweeper sends it through the sender registered here (`register_senders`, from the
app's `ready()`), once. Messages are bilingual, Chinese first, like the rest of the service.

A place promoted on a paid event is held until the resident pays, and telling them how to pay
is the payment code's business: it depends on this app, not the other way round, so it hands
in its message at start-up (`use_payment_due_message`).
"""

import datetime as dt
from typing import Protocol

from django.core.mail import EmailMessage
from django.utils import timezone

from common import notices
from common.urls import absolute_url
from events.models import Registration


class PaymentDueMessage(Protocol):
    """Builds the "a place is held for you: pay by ..." message of a held registration, or None
    once its hold has run out."""

    def __call__(self, registration: Registration, *, now: dt.datetime) -> EmailMessage | None: ...


_payment_due_message: PaymentDueMessage | None = None


def register_senders() -> None:
    """Tell the outbox which function sends each kind of notice this app owes."""
    notices.register_sender(
        Registration.PROMOTION_NOTICE, lambda ref: send_registration_promoted(registration_id=ref)
    )


def use_payment_due_message(build: PaymentDueMessage) -> None:
    """Make `build(registration, now=...)` the message for a promotion to a held (paid) place."""
    global _payment_due_message
    _payment_due_message = build


def send_registration_promoted(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """E-mail a resident whose waiting-list registration got a place. Returns whether a message
    was sent (False when there is nothing to tell any more).

    The sender of `Registration.PROMOTION_NOTICE` (one per registration). A held place on a
    paid event is told to pay by its `hold_expires_at` (the payment code's message, see
    `use_payment_due_message`); a confirmed one that it has a place; a registration that was
    released or cancelled before the notice went out gets nothing.

    Raises LookupError for a held place while no payment message was handed in: the notice
    stays owed and is tried again later, never dropped.
    """
    now = now or timezone.now()
    registration = (
        Registration.objects.select_related("event", "resident")
        .filter(pk=registration_id, promoted_at__isnull=False)
        .first()
    )
    if registration is None or not registration.resident.email:
        return False
    if registration.status == Registration.Status.HELD:
        if _payment_due_message is None:
            raise LookupError("no payment message for held registrations was handed in")
        message = _payment_due_message(registration, now=now)
        if message is None:
            return False
        message.send()
        return True
    if registration.status != Registration.Status.CONFIRMED:
        return False
    event = registration.event
    when = f"{timezone.localtime(event.starts_at, timezone.get_default_timezone()):%Y-%m-%d %H:%M}"
    EmailMessage(
        subject=f"候补成功 You have a place: {event.title_zh}",
        body=(
            f"好消息：您已从候补名单转为正式报名：{event.title_zh}（{when}）。\n"
            f"不能参加请及时取消，以便让给下一位。\n"
            f"{absolute_url(f'/events/{event.pk}/')}\n\n"
            f"Good news: a place opened up and your registration for "
            f"{event.title_en or event.title_zh} ({when}) is now confirmed. If you "
            f"cannot come, please cancel so the next person can go.\n"
        ),
        to=[registration.resident.email],
    ).send()
    return True
