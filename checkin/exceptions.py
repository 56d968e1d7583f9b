"""Check-in errors; each has a stable `code` that clients switch on."""

from django.utils.translation import gettext_lazy as _

from common.errors import InvalidInputError, NotFoundError


class CheckinError(Exception):
    """Marker base for everything the checkin app raises."""


class InvalidCheckinCodeError(CheckinError, InvalidInputError):
    code = "invalid_code"
    default_detail = _("The check-in code is not valid.")


class CheckinCodeUnavailableError(CheckinError, NotFoundError):
    code = "no_checkin_code"
    default_detail = _("A booking has a check-in code once it is confirmed.")
