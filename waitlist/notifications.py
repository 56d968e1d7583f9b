"""E-mails of the waiting list: an offer, with its accept link and expiry.

Offers go through the outbox (common/notices.py): the transaction that makes an offer owes a
`Notice` (kind `WaitlistEntry.OFFER_NOTICE`), and the sweeper calls the sender registered here,
so the e-mail exists if and only if the offer committed. Bilingual, Chinese first.
"""

from __future__ import annotations

from django.core.mail import EmailMessage

from booking import rules
from common import notices
from common.urls import absolute_url
from waitlist.models import WaitlistEntry


def register_senders() -> None:
    """Tell the outbox which function sends the offer notices."""
    notices.register_sender(WaitlistEntry.OFFER_NOTICE, lambda ref: send_offer(entry_id=ref))


def send_offer(*, entry_id: int) -> bool:
    """E-mail an open offer: what, until when, and where to accept it. Returns False when there
    is nothing to send (the offer is no longer open, or the resident has no address)."""
    entry = (
        WaitlistEntry.objects.select_related("slot__venue", "slot__resource", "resident")
        .filter(pk=entry_id, status=WaitlistEntry.Status.OFFERED)
        .first()
    )
    if entry is None or entry.offer_expires_at is None or not entry.resident.email:
        return False
    tz = rules.local_tz()
    slot = entry.slot
    when = f"{slot.starts_at.astimezone(tz):%Y-%m-%d %H:%M}–{slot.ends_at.astimezone(tz):%H:%M}"
    place = f"{slot.venue.name_zh} · {slot.resource.name_zh}"
    until = f"{entry.offer_expires_at.astimezone(tz):%Y-%m-%d %H:%M}"
    link = absolute_url(f"/me/bookings/#waitlist-{entry.pk}")
    EmailMessage(
        subject=f"候补名额 Waiting-list offer: {place} {when}",
        body=(
            f"您候补的 {place}（{when}，{entry.party_size} 人）有名额了，已为您保留至 {until}。\n"
            f"请在此之前接受，否则名额将让给下一位：{link}\n\n"
            f"A place you queued for at {place}, {when}, for {entry.party_size}, is yours "
            f"if you accept it by {until}; after that it goes to the next in line.\n"
            f"Accept or decline: {link}\n"
        ),
        to=[entry.resident.email],
    ).send()
    return True
