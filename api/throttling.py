"""Rate limits of the API."""

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

DISABLED_RATES = {"", "0", "off", "none"}


class BookingCreateThrottle(UserRateThrottle):
    """Booking attempts per user, scope `booking_create` (env `THROTTLE_BOOKING_CREATE`, e.g.
    "30/min"; "off" disables it). Only POST counts: listing one's bookings is not an attempt.
    """

    scope = "booking_create"

    def get_rate(self) -> str | None:
        # DRF binds THROTTLE_RATES at import time; reading it per request lets settings
        # overrides and benchmarks' env take effect.
        rate: Any = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None or str(rate).strip().lower() in DISABLED_RATES:
            return None
        return str(rate)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)
