"""Rate limits of the API."""

import time
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

DISABLED_RATES = {"", "0", "off", "none"}
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

_redis_clients: dict[str, redis.Redis] = {}


def _redis_client() -> redis.Redis | None:
    """One Redis client per process when the default cache is Redis, else None.

    Django's cache builds a new client object (with its ~170 response callbacks) for every
    operation; a counter bumped on every booking attempt deserves one reused client.
    """
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    url = location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url)
    return _redis_clients[url]


# INCR, and on a window's first hit EXPIRE, in one round trip and atomically: the first attempt
# of each resident's window (a quarter of a rush's attempts) no longer pays a second one.
_INCR_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_scripts: dict[int, Any] = {}


def count_in_window(key: str, ttl: int) -> int:
    """Add one to a counter that lives `ttl` seconds and return it (one round trip on Redis)."""
    client = _redis_client()
    if client is not None:
        script = _scripts.get(id(client))
        if script is None:
            # EVALSHA; redis-py loads the script again if the server lost it (NOSCRIPT).
            script = _scripts[id(client)] = client.register_script(_INCR_IN_WINDOW)
        return int(script(keys=[key], args=[ttl]))
    cache.add(key, 0, ttl)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl)
        return 1


def parse_rate(rate: Any) -> tuple[int, int] | None:
    """ "30/min" -> (30, 60); None for a disabled rate ("off", "0", empty)."""
    if rate is None or str(rate).strip().lower() in DISABLED_RATES:
        return None
    num, period = str(rate).split("/")
    return int(num), PERIODS[period.strip()[0]]


class BookingCreateThrottle(BaseThrottle):
    """Booking attempts per user in fixed windows, scope `booking_create` (env
    `THROTTLE_BOOKING_CREATE`, e.g. "30/min"; "off" disables it). Only POST counts: listing
    one's bookings is not an attempt.

    One Redis INCR per attempt (DRF's own throttles read and rewrite a list of timestamps: two
    round trips and a pickle). A fixed window lets a client burst up to twice the rate across a
    window boundary, which is fine for a limit meant to stop scripts, not people.
    """

    scope = "booking_create"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        # Read per request: DRF binds rates at import time; settings overrides must apply.
        rate = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        if rate is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        user = request.user
        ident = f"u{user.pk}" if user.is_authenticated else f"ip{self.get_ident(request)}"
        key = f"throttle:{self.scope}:{ident}:{period}:{window}"
        if count_in_window(key, period) <= limit:
            return True
        self.retry_after = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self.retry_after
