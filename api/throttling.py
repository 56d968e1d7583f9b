"""Rate limits of the API: DRF throttle classes.

The booking throttle counts in `api.fastpath.throttle` (attempt numbers leased in blocks from
a Redis counter), which the booking fast path uses too, so both paths share one window.
"""

import logging
import time

import redis
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from api.fastpath.throttle import AttemptNumber, Window, parse_rate, token_ident
from common.clientip import client_ip

logger = logging.getLogger(__name__)


class ClientIdent:
    """A throttle's client address: `common.clientip.client_ip`, which believes
    `X-Forwarded-For` only from `TRUSTED_PROXIES` (DRF's own `get_ident` takes the header from
    anyone unless `NUM_PROXIES` is set, so a client could pick a fresh identity per request)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""


class BookingCreateThrottle(ClientIdent, BaseThrottle):
    """Booking attempts per caller in fixed windows, scope `booking_create` (env
    `THROTTLE_BOOKING_CREATE`, e.g. "30/min"; "off" disables it). Only POST counts: listing
    one's bookings is not an attempt.

    The caller is the API token when there is one (a user has one token), else the signed-in
    user, else the address: the booking endpoint counts a token's attempt before it has read
    the user (`api.fastpath.booking_create`). Each attempt gets a number in its window
    (`AttemptNumber`); a process takes them from Redis in blocks of `LEASE_SIZE`, so a
    resident's few tries in a rush cost one `INCRBY` (DRF's own throttles read and rewrite a
    list of timestamps per request: two round trips and a pickle). No more attempts than the
    rate get through; a caller spread over several server processes may be refused a few
    attempts early (`Leases`). A fixed window lets a client burst up to twice the rate across a
    window boundary, which is fine for a limit meant to stop scripts, not people.
    """

    scope = "booking_create"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        now = time.time()
        window = Window.current(self.scope, self._ident(request), now)
        if window is None or AttemptNumber(window).result() <= window.limit:
            return True
        self.retry_after = window.ends_at - now
        return False

    def _ident(self, request: Request) -> str:
        if isinstance(request.auth, Token):
            return token_ident(request.auth.key)
        user = request.user
        return f"u{user.pk}" if user.is_authenticated else f"ip{self.get_ident(request)}"

    def wait(self) -> float | None:
        return self.retry_after


class AuthThrottle(ClientIdent, ScopedRateThrottle):
    """DRF's scoped throttle (the view's `throttle_scope`: `auth`, env `THROTTLE_AUTH`, for
    exchanging a password for a token and for signing out everywhere) per client address
    (`ClientIdent`), failing open while its Redis counter is unreachable. Password guessing
    itself is limited per address and per account by django-axes (`common.logins`).

    Like the booking throttle: an outage of the counter must not turn every sign-in into a
    500. For that while, passwords are not rate-limited here (Django still hashes each try).
    The rate is read per request and may be "off", like the booking throttle's.
    """

    def get_rate(self) -> str | None:
        # Read per request, as `Window.current` does (DRF binds its rates at import time); a
        # disabled rate ("off") is None, which DRF's throttle lets through.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(str(self.scope))
        return str(rate) if parse_rate(rate) else None

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        return parse_rate(rate) or (None, None)

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return bool(super().allow_request(request, view))
        except redis.RedisError as exc:
            logger.warning("throttle counter unavailable, not counting a sign-in: %r", exc)
            return True
