"""Signed check-in codes, their QR images, gate devices and the check-in itself.

A code is a binary body — version, booking id, venue id, valid-from and valid-to (Unix seconds)
— followed by its 64-byte Ed25519 signature, in unpadded base64url: 114 characters, a QR code of
version 7-8 at error level M. A gate that is offline verifies it with the public key alone
(`verify_code`, GET /api/v1/checkins/public-key/); online, `check_in` also knows whether the
booking was cancelled or already used and records every scan.

Ed25519 signatures are deterministic, so a booking's code is the same every time it is shown:
nothing needs storing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import io
import logging
import secrets
import struct
from dataclasses import dataclass
from typing import Any, Literal

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from booking.exceptions import (
    BookingNotFoundError,
    CheckinCodeUnavailableError,
    InvalidCheckinCodeError,
)
from booking.models import Booking, CheckIn, GateDevice
from booking.selectors import is_venue_staff
from booking.services import check_in_booking
from venues.models import BookingPolicy, Venue

logger = logging.getLogger(__name__)

CODE_VERSION = 1
# version, booking id, venue id, valid from, valid to (Unix seconds, unsigned until 2106)
_BODY = struct.Struct(">BQIII")
SIGNATURE_SIZE = 64
DEFAULT_OPENS_MINUTES = 15
DEFAULT_CLOSES_MINUTES = 15

Reason = Literal[
    "invalid_code",
    "wrong_venue",
    "cancelled",
    "not_confirmed",
    "no_show",
    "already_used",
    "too_early",
    "too_late",
]


@dataclass(frozen=True)
class CheckinClaims:
    booking_id: int
    venue_id: int
    valid_from: dt.datetime
    valid_to: dt.datetime


@dataclass(frozen=True)
class CheckinResult:
    allowed: bool
    reason: Reason | None
    booking: Booking | None
    checkin: CheckIn


# --- keys ----------------------------------------------------------------------------------


def _private_key() -> Ed25519PrivateKey:
    configured = settings.CHECKIN_SIGNING_KEY
    if configured:
        return _configured_key(configured)
    # Only a DEBUG server may sign with a key anybody who knows its SECRET_KEY can derive (the
    # quick start's is public); SECRET_KEY is not even read otherwise. config/checks.py
    # refuses to start without CHECKIN_SIGNING_KEY when DEBUG is off: this is the backstop.
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "CHECKIN_SIGNING_KEY must be set when DEBUG is off (base64 of 32 random bytes)."
        )
    return _dev_key(settings.SECRET_KEY)


def load_signing_key(value: str) -> Ed25519PrivateKey:
    """Decode CHECKIN_SIGNING_KEY (base64 of the 32 raw bytes of an Ed25519 private key).

    Raises ImproperlyConfigured on a malformed value; the start-up check calls it too.
    """
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("CHECKIN_SIGNING_KEY is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("CHECKIN_SIGNING_KEY must be 32 raw bytes, base64-encoded.")
    return Ed25519PrivateKey.from_private_bytes(raw)


@functools.cache
def _configured_key(value: str) -> Ed25519PrivateKey:
    return load_signing_key(value)


@functools.cache
def _dev_key(secret_key: str) -> Ed25519PrivateKey:
    logger.warning(
        "CHECKIN_SIGNING_KEY is not set: check-in codes are signed with a development key "
        "derived from SECRET_KEY. Set a real key before gates trust these codes."
    )
    seed = hashlib.sha256(b"luohu-checkin-dev-key:" + secret_key.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_bytes() -> bytes:
    """The 32 raw bytes of the public key gates verify codes with."""
    return public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_pem() -> str:
    return public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


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
    opens = policy.checkin_opens_minutes if policy else DEFAULT_OPENS_MINUTES
    closes = policy.checkin_closes_minutes if policy else DEFAULT_CLOSES_MINUTES
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
        policy=getattr(venue, "policy", None),
    )


def checkin_code_for(booking: Booking) -> str:
    """The signed code of a confirmed (or checked-in) booking; empty for any other status."""
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN):
        return ""
    valid_from, valid_to = checkin_window_of(booking)
    claims = CheckinClaims(
        booking_id=booking.pk, venue_id=booking.venue_id, valid_from=valid_from, valid_to=valid_to
    )
    return sign_claims(claims, _private_key())


def qr_image(code: str, *, kind: Literal["svg", "png"]) -> bytes:
    """Render a code as a QR image (error correction M: fits a phone screen, tolerates glare)."""
    qr = segno.make_qr(code, error="m", boost_error=False)
    out = io.BytesIO()
    if kind == "svg":
        qr.save(out, kind="svg", scale=4, border=4, xmldecl=False, svgclass=None, lineclass=None)
    else:
        qr.save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def get_booking_qr(
    *, booking_id: Any, user: AbstractBaseUser, kind: Literal["svg", "png"]
) -> bytes:
    """The QR image of the caller's confirmed booking.

    Raises BookingNotFoundError (also for a booking of someone else), CheckinCodeUnavailableError.
    """
    try:
        booking = Booking.objects.select_related("venue__policy").get(pk=int(booking_id))
    except (Booking.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise BookingNotFoundError() from exc
    if booking.resident_id != user.pk:
        raise BookingNotFoundError()  # someone else's: do not reveal that it exists
    code = checkin_code_for(booking)
    if not code:
        raise CheckinCodeUnavailableError()
    return qr_image(code, kind=kind)


# --- gate devices --------------------------------------------------------------------------


def hash_gate_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_gate_device(*, venue: Venue, name: str) -> tuple[GateDevice, str]:
    """Register a gate of a venue and return it with its token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    device = GateDevice.objects.create(venue=venue, name=name, token_hash=hash_gate_token(token))
    return device, token


def get_gate_device(*, token: str) -> GateDevice | None:
    """The active gate a token belongs to, or None."""
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


def is_any_venue_staff(user: AbstractBaseUser) -> bool:
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    return bool(user.staffed_venues.exists())  # type: ignore[attr-defined]


# --- check-in ------------------------------------------------------------------------------


def check_in(
    *,
    code: Any,
    device: GateDevice | None = None,
    staff: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> CheckinResult:
    """Let a booking's party in once, inside its check-in window, at its own venue.

    Scanned by a gate (`device`) or by venue staff. Every scan is recorded, refused or not.
    Invariant: a booking is checked in at most once (its row is locked while deciding).
    Raises nothing for a bad code: the result says why it was refused. A code of another
    venue's booking is refused as `wrong_venue` before anything else is checked, and its result
    carries no booking, so a gate or staff member learns nothing about it.
    """
    if (device is None) == (staff is None):
        raise ValueError("check_in needs exactly one of device or staff")
    now = now or timezone.now()
    try:
        claims = verify_code(code, public_key())
    except InvalidCheckinCodeError:
        return _record(None, device, staff, now, "invalid_code")
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("resource", "venue")
            .filter(pk=claims.booking_id, venue_id=claims.venue_id)
            .first()
        )
        if booking is None:
            return _record(None, device, staff, now, "invalid_code")
        reason = _refusal(booking=booking, claims=claims, device=device, staff=staff, now=now)
        if reason is None:
            check_in_booking(booking=booking, at=now)
        result = _record(booking, device, staff, now, reason)
    if reason == "wrong_venue":
        # Another venue's booking: the scan is recorded against it, but the answer says only
        # "not for this venue", nothing of the booking (who, when, where, its state).
        return CheckinResult(allowed=False, reason=reason, booking=None, checkin=result.checkin)
    return result


def _refusal(
    *,
    booking: Booking,
    claims: CheckinClaims,
    device: GateDevice | None,
    staff: AbstractBaseUser | None,
    now: dt.datetime,
) -> Reason | None:
    if device is not None and device.venue_id != booking.venue_id:
        return "wrong_venue"
    if staff is not None and not is_venue_staff(user=staff, venue_id=booking.venue_id):
        return "wrong_venue"
    return _booking_refusal(
        status=booking.status, valid_from=claims.valid_from, valid_to=claims.valid_to, now=now
    )


def _booking_refusal(
    *, status: str, valid_from: dt.datetime, valid_to: dt.datetime, now: dt.datetime
) -> Reason | None:
    """The rule of the booking itself: its status, then its check-in window at `now`."""
    if status in (Booking.Status.CANCELLED, Booking.Status.EXPIRED):
        return "cancelled"
    if status == Booking.Status.HELD:
        return "not_confirmed"
    if status == Booking.Status.NO_SHOW:
        return "no_show"
    if status == Booking.Status.CHECKED_IN:
        return "already_used"
    if now < valid_from:
        return "too_early"
    if now > valid_to:
        return "too_late"
    return None


def checkin_refusal(*, booking: Booking, now: dt.datetime) -> Reason | None:
    """Why `check_in` would refuse this booking's code at `now` (at its own venue); None if not.

    The same rule as `check_in` applies, without a scan: pages offer check-in only while it can
    succeed. Needs `booking.venue` (and its policy, if any) loaded to avoid queries.
    """
    valid_from, valid_to = checkin_window_of(booking)
    return _booking_refusal(
        status=booking.status, valid_from=valid_from, valid_to=valid_to, now=now
    )


def _record(
    booking: Booking | None,
    device: GateDevice | None,
    staff: AbstractBaseUser | None,
    now: dt.datetime,
    reason: Reason | None,
) -> CheckinResult:
    checkin = CheckIn.objects.create(
        booking=booking,
        device=device,
        staff_id=staff.pk if staff is not None else None,
        at=now,
        allowed=reason is None,
        reason=reason or "",
    )
    return CheckinResult(allowed=reason is None, reason=reason, booking=booking, checkin=checkin)


# --- occupancy -----------------------------------------------------------------------------


def get_live_occupancy(*, venue_id: int, now: dt.datetime | None = None) -> int:
    """People checked in for the slots running now at a venue (a smart gym's live count)."""
    now = now or timezone.now()
    total = Booking.objects.filter(
        venue_id=venue_id,
        status=Booking.Status.CHECKED_IN,
        starts_at__lte=now,
        ends_at__gt=now,
    ).aggregate(people=Sum("party_size"))["people"]
    return int(total or 0)
