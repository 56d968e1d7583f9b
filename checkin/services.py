"""The check-in itself: a scanned code lets a booking's party in once, or says why not.

The booking's change to checked_in is booking's own (`booking.services.check_in_booking`); this
module decides whether to make it and records every scan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from booking.models import Booking
from booking.selectors import is_venue_staff
from booking.services import check_in_booking
from checkin.codes import CheckinClaims, checkin_window_of, verify_code
from checkin.exceptions import InvalidCheckinCodeError
from checkin.keys import public_key
from checkin.models import CheckIn, GateDevice

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
class CheckinResult:
    allowed: bool
    reason: Reason | None
    booking: Booking | None
    checkin: CheckIn


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


def checkin_refusal(*, booking: Booking, now: dt.datetime) -> Reason | None:
    """Why `check_in` would refuse this booking's code at `now` (at its own venue); None if not.

    The same rule as `check_in` applies, without a scan: pages offer check-in only while it can
    succeed. Needs `booking.venue` (and its policy, if any) loaded to avoid queries.
    """
    valid_from, valid_to = checkin_window_of(booking)
    return _booking_refusal(
        status=booking.status, valid_from=valid_from, valid_to=valid_to, now=now
    )


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


def _record(
    booking: Booking | None,
    device: GateDevice | None,
    staff: AbstractBaseUser | None,
    now: dt.datetime,
    reason: Reason | None,
) -> CheckinResult:
    scan = CheckIn.objects.create(
        booking=booking,
        device=device,
        staff_id=staff.pk if staff is not None else None,
        at=now,
        allowed=reason is None,
        reason=reason or "",
    )
    return CheckinResult(allowed=reason is None, reason=reason, booking=booking, checkin=scan)
