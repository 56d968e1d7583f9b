"""Rate limits of the API."""

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

logger = logging.getLogger(__name__)

DISABLED_RATES = {"", "0", "off", "none"}
REDIS_TIMEOUT = 0.5  # seconds: connecting to and answering from the throttle's Redis
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
        # Bounded waits: a hung Redis must not hang the booking endpoint (see count_in_window).
        _redis_clients[url] = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
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
    """Add one to a counter that lives `ttl` seconds and return it (one round trip on Redis).

    While Redis is unreachable the throttle fails open (0, logged): residents can still book,
    which matters more than holding back scripts for the minutes of an outage.
    """
    client = _redis_client()
    if client is not None:
        try:
            return int(_script(client)(keys=[key], args=[ttl]))
        except redis.RedisError as exc:
            logger.warning("throttle counter unavailable, not counting %s: %r", key, exc)
            return 0
    cache.add(key, 0, ttl)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl)
        return 1


class PendingCount:
    """`count_in_window` sent now and read later, so that its round trip overlaps other work.

    The booking endpoint sends the counter's command to Redis, runs its database read, and only
    then reads Redis's reply, which has arrived meanwhile: one wait instead of two. Each thread
    keeps its own Redis connection for this (no pool: its lock, its readiness poll and its
    bookkeeping cost more than the command). Without Redis, or when anything fails, the count
    is made at once, as `count_in_window` makes it (with redis-py's retries); so is a second
    count while one is in flight on the thread. Call `result()` exactly once, also on errors.
    """

    _local = threading.local()

    def __init__(self, key: str, ttl: int) -> None:
        self.key, self.ttl = key, ttl
        self._value: int | None = None
        self._conn: Any = None
        client = _redis_client()
        # (One count in flight per thread: replies come back in the order sent.)
        if client is None or getattr(self._local, "in_flight", False):
            self._value = count_in_window(key, ttl)
            return
        command = _command("EVALSHA", _script(client).sha, "1", key, str(ttl))
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "client", None) is not client:
            conn = self._local.conn = client.connection_pool.make_connection()
            self._local.client = client
        try:
            conn.connect()  # once; again after a disconnect
            conn.send_packed_command([command])
        except redis.RedisError:
            conn.disconnect()
            self._value = count_in_window(key, ttl)
            return
        self._conn = conn
        self._local.in_flight = True

    def result(self) -> int:
        if self._value is not None:
            return self._value
        conn, self._conn = self._conn, None
        assert conn is not None, "result() called twice"
        try:
            self._value = int(conn.read_response())
        except redis.exceptions.NoScriptError:  # the server lost the script: load and run it
            self._value = count_in_window(self.key, self.ttl)
        except redis.RedisError:
            conn.disconnect()  # the reply may still be on its way: never reuse this connection
            self._value = count_in_window(self.key, self.ttl)
        finally:
            self._local.in_flight = False
        return self._value


def _command(*parts: str) -> bytes:
    """A command in Redis's wire format, as redis-py writes it, for a fraction of its CPU."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _script(client: redis.Redis) -> Any:
    script = _scripts.get(id(client))
    if script is None:
        # EVALSHA; redis-py loads the script again if the server lost it (NOSCRIPT).
        script = _scripts[id(client)] = client.register_script(_INCR_IN_WINDOW)
    return script


def parse_rate(rate: Any) -> tuple[int, int] | None:
    """ "30/min" -> (30, 60); None for a disabled rate ("off", "0", empty)."""
    if rate is None or str(rate).strip().lower() in DISABLED_RATES:
        return None
    num, period = str(rate).split("/")
    return int(num), PERIODS[period.strip()[0]]


def token_ident(token_key: str) -> str:
    """A token's throttle identity: a digest, so that Redis keys never hold a credential."""
    return "t" + hashlib.blake2b(token_key.encode(), digest_size=10).hexdigest()


@dataclass(frozen=True)
class Window:
    """The current fixed window of a rate for one caller: its Redis key, limit and end."""

    key: str
    limit: int
    period: int
    ends_at: float  # seconds since the epoch

    @classmethod
    def current(cls, scope: str, ident: str, now: float) -> "Window | None":
        """None when the scope's rate is off. The rate is read per request: DRF binds rates
        at import time, and settings overrides must apply."""
        rate = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(scope))
        if rate is None:
            return None
        limit, period = rate
        window = int(now // period)
        return cls(
            f"throttle:{scope}:{ident}:{period}:{window}", limit, period, (window + 1) * period
        )


class BookingCreateThrottle(BaseThrottle):
    """Booking attempts per caller in fixed windows, scope `booking_create` (env
    `THROTTLE_BOOKING_CREATE`, e.g. "30/min"; "off" disables it). Only POST counts: listing
    one's bookings is not an attempt.

    The caller is the API token when there is one (a user has one token), else the signed-in
    user, else the address: the booking endpoint counts a token's attempt before it has read
    the user (`api.views.booking_rush`). One Redis INCR per attempt (DRF's own throttles read
    and rewrite a list of timestamps: two round trips and a pickle). A fixed window lets a
    client burst up to twice the rate across a window boundary, which is fine for a limit
    meant to stop scripts, not people.
    """

    scope = "booking_create"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        now = time.time()
        window = Window.current(self.scope, self._ident(request), now)
        if window is None or count_in_window(window.key, window.period) <= window.limit:
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
