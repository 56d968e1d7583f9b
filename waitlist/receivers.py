"""Receivers of booking's signals (connected in `WaitlistConfig.ready`)."""

from __future__ import annotations

from typing import Any

from waitlist import services
from waitlist.models import WaitlistEntry


def offer_freed_places(sender: Any, *, slot_id: int, count: int, **kwargs: Any) -> None:
    """Places went back to a slot (after the commit): offer them to its waiting list.

    A slot nobody waits for costs one indexed read. If this fails or never runs (the process
    died), the `waitlist.expire_offers` sweep offers the places instead.
    """
    if WaitlistEntry.objects.waiting().filter(slot_id=slot_id).exists():
        services.offer_freed_places(slot_id=slot_id)
