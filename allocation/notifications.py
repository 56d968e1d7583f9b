"""The result mail of a ballot entry (outbox kind `ballot.result`): winners get their booking
with an .ics, the others the news. Bilingual, Chinese first, like the booking mails."""

from __future__ import annotations

from django.core.mail import EmailMessage

from allocation.models import BallotEntry
from booking import rules
from booking.feeds import booking_ics
from booking.models import Booking
from common import notices
from common.urls import absolute_url


def register_senders() -> None:
    """Tell the outbox which function sends the ballot result notices."""
    notices.register_sender(BallotEntry.RESULT_NOTICE, lambda ref: send_result(entry_id=ref))


def send_result(*, entry_id: int) -> bool:
    """E-mail one entry's result; False when there is nothing to send (no address)."""
    entry = (
        BallotEntry.objects.select_related(
            "resident", "round__venue", "booking__resource", "won_slot"
        )
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not entry.resident.email or entry.status not in ("won", "lost"):
        return False
    venue = entry.round.venue.name_zh
    results = absolute_url(f"/ballots/{entry.round_id}/results/")
    message = EmailMessage(to=[entry.resident.email])
    booking = entry.booking
    if entry.status == BallotEntry.Status.WON and booking is not None:
        tz = rules.local_tz()
        when = f"{booking.starts_at.astimezone(tz):%Y-%m-%d %H:%M}–{booking.ends_at.astimezone(tz):%H:%M}"
        place = f"{venue} · {booking.resource.name_zh}"
        pay = ""
        if booking.status == Booking.Status.HELD and booking.hold_expires_at:
            deadline = f"{booking.hold_expires_at.astimezone(tz):%Y-%m-%d %H:%M}"
            link = absolute_url(f"/bookings/{booking.pk}/pay/")
            pay = (
                f"请于 {deadline} 前付款，否则名额将释放：{link}\n"
                f"Please pay by {deadline}, or the place is released: {link}\n"
            )
        message.subject = f"抽签中签 You won the ballot: {place} {when}"
        message.body = (
            f"恭喜！您在 {place} {when} 的抽签中签（{booking.party_size} 人）。\n"
            f"Congratulations: you won {place}, {when}, for {booking.party_size}.\n{pay}\n"
            f"抽签结果与核验 Results and verification: {results}\n"
        )
        message.attach(f"booking-{booking.pk}.ics", booking_ics(booking), "text/calendar")
    else:
        message.subject = f"抽签结果 Ballot result: {venue} {entry.round.date}"
        message.body = (
            f"很遗憾，您在 {venue} {entry.round.date} 的抽签未中签。下次抽签您将优先排序。\n"
            f"Sorry, your entry for {venue} on {entry.round.date} was not drawn. "
            "Your next entry is ordered first among those who won recently.\n\n"
            f"抽签结果与核验 Results and verification: {results}\n"
        )
    message.send()
    return True
