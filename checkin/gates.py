"""Gate devices: issued with a token shown once, found again by that token."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from checkin.models import GateDevice
from venues.models import Venue


def hash_gate_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_gate_device(*, venue: Venue, name: str) -> tuple[GateDevice, str]:
    """Register a gate of a venue and return it with its token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    device = GateDevice.objects.create(venue=venue, name=name, token_hash=hash_gate_token(token))
    return device, token


def get_gate_device(*, token: str) -> GateDevice | None:
    """The active gate a token belongs to, or None; notes when the gate was last seen."""
    if not token or len(token) > 200:
        return None
    device = (
        GateDevice.objects.select_related("venue")
        .filter(token_hash=hash_gate_token(token), is_active=True)
        .first()
    )
    if device is not None:
        GateDevice.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
    return device
