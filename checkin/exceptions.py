"""Check-in errors; each has a stable `code` that clients switch on."""

from common.errors import InvalidInputError, NotFoundError


class CheckinError(Exception):
    """Marker base for everything the checkin app raises."""


class InvalidCheckinCodeError(CheckinError, InvalidInputError):
    code = "invalid_code"
    default_detail = "签到码无效。The check-in code is not valid."


class CheckinCodeUnavailableError(CheckinError, NotFoundError):
    code = "no_checkin_code"
    default_detail = "预约确认后才有签到码。A booking has a check-in code once it is confirmed."
