"""QR images of check-in codes, for the booking's own resident."""

from __future__ import annotations

import io
from typing import Any, Literal

import segno
from django.contrib.auth.base_user import AbstractBaseUser

from booking.exceptions import BookingNotFoundError
from booking.models import Booking
from checkin.codes import checkin_code_for
from checkin.exceptions import CheckinCodeUnavailableError


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
