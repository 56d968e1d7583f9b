"""The result mails of a drawn round. Bilingual, Chinese first, like the booking mails.

The draw owes one notice per round (kind `ballot.results`) in its own transaction; a worker's
sweep fans it out into one notice per entry (kind `ballot.result`), in the transaction that
marks the round's notice sent, so the fan-out happens exactly once and a crash in the middle
of it leaves it to do again. Each entry's notice is then sent on its own: a crash while a
round's 100,000 mails go out repeats none of those already marked sent. Winners get their
booking with an .ics, the others the news.
"""

from __future__ import annotations

from django.core.mail import EmailMessage

from allocation.models import BallotEntry, BallotRound
from booking import rules
from booking.feeds import booking_ics
from booking.models import Booking
from common import notices
from common.urls import absolute_url


def register_senders() -> None:
    """Tell the outbox which functions send the ballot result notices."""
    notices.register_sender(BallotRound.RESULTS_NOTICE, lambda ref: fan_out(round_id=ref))
    notices.register_sender(BallotEntry.RESULT_NOTICE, lambda ref: send_result(entry_id=ref))


def fan_out(*, round_id: int) -> bool:
    """Owe a result mail to every entrant of a drawn round (not to those who withdrew).
    Idempotent: a notice already owed stays as it is. False: it sends no message itself."""
    entries = BallotEntry.objects.filter(round_id=round_id, round__drawn_at__isnull=False)
    ids = entries.exclude(status=BallotEntry.Status.WITHDRAWN).values_list("pk", flat=True)
    notices.owe(kind=BallotEntry.RESULT_NOTICE, refs=ids.order_by("pk"))
    return False


def send_result(*, entry_id: int) -> bool:
    """E-mail one entry's result; False when there is nothing to send (no address)."""
    entry = (
        BallotEntry.objects.select_related(
            "resident", "round__venue", "booking__resource", "won_slot"
        )
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not entry.resident.email or entry.outcome not in ("won", "lost"):
        return False
    venue = entry.round.venue.name_zh
    results = absolute_url(f"/ballots/{entry.round_id}/results/")
    message = EmailMessage(to=[entry.resident.email])
    booking = entry.booking
    if entry.outcome == BallotEntry.Status.WON and booking is not None:
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
