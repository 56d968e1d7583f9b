"""Signed check-in codes: what a booking's QR code carries, and when it lets the party in.

A code is a binary body — version, booking id, venue id, valid-from and valid-to (Unix seconds)
— followed by its 64-byte Ed25519 signature, in unpadded base64url: 114 characters, a QR code of
version 7-8 at error level M. A gate that is offline verifies it with the public key alone
(`verify_code`, GET /api/v1/checkins/public-key/); online, `checkin.services.check_in` also
knows whether the booking was cancelled or already used and records every scan.

Ed25519 signatures are deterministic, so a booking's code is the same every time it is shown:
nothing needs storing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from booking.models import Booking
from checkin.exceptions import InvalidCheckinCodeError
from checkin.keys import signing_key
from venues.models import BookingPolicy, Venue
from venues.policies import or_default, policy_for

CODE_VERSION = 1
# version, booking id, venue id, valid from, valid to (Unix seconds, unsigned until 2106)
_BODY = struct.Struct(">BQIII")
SIGNATURE_SIZE = 64


@dataclass(frozen=True)
class CheckinClaims:
    booking_id: int
    venue_id: int
    valid_from: dt.datetime
    valid_to: dt.datetime


# --- codes (pure) --------------------------------------------------------------------------


def sign_claims(claims: CheckinClaims, private_key: Ed25519PrivateKey) -> str:
    """Serialise and sign claims into the text a QR code carries."""
    body = _BODY.pack(
        CODE_VERSION,
        claims.booking_id,
        claims.venue_id,
        int(claims.valid_from.timestamp()),
        int(claims.valid_to.timestamp()),
    )
    token = body + private_key.sign(body)
    return base64.urlsafe_b64encode(token).rstrip(b"=").decode("ascii")


def verify_code(code: Any, key: Ed25519PublicKey | bytes) -> CheckinClaims:
    """Check a code's signature with the public key alone and return its claims.

    Pure: no database, no clock (the caller compares the validity window with its own time).
    Raises InvalidCheckinCodeError for anything malformed, altered or signed by another key.
    """
    if not isinstance(code, str) or len(code) > 200 or not code.isascii():
        raise InvalidCheckinCodeError()
    if isinstance(key, bytes):
        try:
            key = Ed25519PublicKey.from_public_bytes(key)
        except ValueError as exc:
            raise InvalidCheckinCodeError("Bad public key.") from exc
    code = code.strip()
    try:
        token = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCheckinCodeError() from exc
    # Only the canonical spelling: the last character's spare bits must not give one booking
    # several accepted codes.
    canonical = base64.urlsafe_b64encode(token).rstrip(b"=").decode("ascii")
    if len(token) != _BODY.size + SIGNATURE_SIZE or canonical != code:
        raise InvalidCheckinCodeError()
    body, signature = token[: _BODY.size], token[_BODY.size :]
    try:
        key.verify(signature, body)
    except InvalidSignature as exc:
        raise InvalidCheckinCodeError() from exc
    version, booking_id, venue_id, valid_from, valid_to = _BODY.unpack(body)
    if version != CODE_VERSION:
        raise InvalidCheckinCodeError()
    return CheckinClaims(
        booking_id=booking_id,
        venue_id=venue_id,
        valid_from=dt.datetime.fromtimestamp(valid_from, tz=dt.UTC),
        valid_to=dt.datetime.fromtimestamp(valid_to, tz=dt.UTC),
    )


def checkin_window(
    *, starts_at: dt.datetime, ends_at: dt.datetime, venue_kind: str, policy: BookingPolicy | None
) -> tuple[dt.datetime, dt.datetime]:
    """When a booking may check in.

    From the policy's `checkin_opens_minutes` before the start. A smart gym admits people until
    the slot ends (they come and go during an open-floor hour); other venues close check-in
    `checkin_closes_minutes` after the start (a court is lost to a no-show by then), never after
    the end.
    """
    policy = or_default(policy)
    opens, closes = policy.checkin_opens_minutes, policy.checkin_closes_minutes
    valid_from = starts_at - dt.timedelta(minutes=opens)
    if venue_kind == Venue.Kind.SMART_GYM:
        return valid_from, ends_at
    return valid_from, min(starts_at + dt.timedelta(minutes=closes), ends_at)


# --- codes of bookings ---------------------------------------------------------------------


def checkin_window_of(booking: Booking) -> tuple[dt.datetime, dt.datetime]:
    """A booking's check-in window (`checkin_window` with its venue's kind and policy)."""
    venue = booking.venue
    return checkin_window(
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        venue_kind=venue.kind,
        policy=policy_for(venue),
    )


def checkin_code_for(booking: Booking) -> str:
    """The signed code of a confirmed (or checked-in) booking; empty for any other status."""
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN):
        return ""
    valid_from, valid_to = checkin_window_of(booking)
    claims = CheckinClaims(
        booking_id=booking.pk, venue_id=booking.venue_id, valid_from=valid_from, valid_to=valid_to
    )
    return sign_claims(claims, signing_key())
