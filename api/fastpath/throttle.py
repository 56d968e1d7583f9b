"""Attempt numbers in fixed windows, counted in Redis: the booking throttle's counter.

Shared by DRF's `api.throttling.BookingCreateThrottle` and the booking fast path
(`api.fastpath.booking_create`), so that both count a token's attempts in the same window. The
shortcuts, each measured in api/fastpath/README.md:

- `Leases`: a process takes attempt numbers from a window's counter in blocks (`INCRBY`), so
  a resident's tries in a rush cost one Redis round trip, not one each;
- `PendingCount`: the command is sent before the database read and its reply read after it,
  one wait instead of two, on one connection per thread;
- `count_in_window`: `INCRBY` and, on a window's first hit, `EXPIRE` in one Lua script.
"""

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
from rest_framework.settings import api_settings

import common.redis

logger = logging.getLogger(__name__)

DISABLED_RATES = {"", "0", "off", "none"}
REDIS_TIMEOUT = 0.5  # seconds: connecting to and answering from the throttle's Redis
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _redis_client() -> redis.Redis | None:
    """The throttle's Redis client (`common.redis`) when the default cache is Redis, else None.

    Django's cache calls cost a client lookup and a pickle each; a counter bumped on every
    booking attempt talks to Redis directly, on the cache's server.
    """
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    url = location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]
    # Bounded waits: a hung Redis must not hang the booking endpoint (see count_in_window).
    return common.redis.get_client(
        url,
        purpose="throttle",
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
    )


# INCRBY, and on a window's first hit EXPIRE, in one round trip and atomically: the first
# attempt of each caller's window no longer pays a second one. ARGV[2] (default 1) is the step.
_INCR_IN_WINDOW = """
local step = tonumber(ARGV[2] or '1')
local count = redis.call('INCRBY', KEYS[1], step)
if count == step then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_scripts: list[Any] = []  # the script's one redis-py Script, run with whichever client


def count_in_window(key: str, ttl: int, step: int = 1) -> int:
    """Add `step` to a counter that lives `ttl` seconds and return it (one round trip on Redis).

    While Redis is unreachable the throttle fails open (0, logged): residents can still book,
    which matters more than holding back scripts for the minutes of an outage.
    """
    client = _redis_client()
    if client is not None:
        try:
            return int(_script(client)(keys=[key], args=[ttl, step], client=client))
        except redis.RedisError as exc:
            logger.warning("throttle counter unavailable, not counting %s: %r", key, exc)
            return 0
    cache.add(key, 0, ttl)
    try:
        return int(cache.incr(key, step))
    except ValueError:  # expired between add and incr
        cache.add(key, step, ttl)
        return step


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

    def __init__(self, key: str, ttl: int, step: int = 1) -> None:
        self.key, self.ttl, self.step = key, ttl, step
        self._value: int | None = None
        self._conn: Any = None
        client = _redis_client()
        # (One count in flight per thread: replies come back in the order sent.)
        if client is None or getattr(self._local, "in_flight", False):
            self._value = count_in_window(key, ttl, step)
            return
        sha = _script(client).sha
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "client", None) is not client:
            conn = self._local.conn = client.connection_pool.make_connection()
            self._local.client = client
        try:
            conn.connect()  # once; again after a disconnect
            # redis-py packs the command (bench/resp_pack.py: a few microseconds more than
            # bytes written by hand, one command per resident's rush thanks to the leases).
            conn.send_command("EVALSHA", sha, 1, key, ttl, step)
        except redis.RedisError:
            conn.disconnect()
            self._value = count_in_window(key, ttl, step)
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
            self._value = count_in_window(self.key, self.ttl, self.step)
        except redis.RedisError:
            conn.disconnect()  # the reply may still be on its way: never reuse this connection
            self._value = count_in_window(self.key, self.ttl, self.step)
        finally:
            self._local.in_flight = False
        return self._value


# Attempt numbers a process takes from a window's counter at once: about one resident's tries
# in a rush (up to 5 slots), so that a resident's rush costs one Redis round trip, not one per try.
LEASE_SIZE = 5


@dataclass(slots=True)
class _Held:
    """What a process holds of one window's numbers: `next`..`last` (none when next > last)."""

    ends_at: float  # the window's end
    next: int = 1
    last: int = 0
    asking: bool = False  # a thread of this process is asking Redis for a block


class Leases:
    """Blocks of attempt numbers this process has taken from windows' counters, not yet used.

    A window's counter in Redis is the last attempt number handed out to any process. A
    process takes a block of numbers at once (`INCRBY`) and numbers its next attempts of that
    window from it without asking Redis again. Every attempt still has its own number, and no
    number is handed out twice: the limit holds across processes (never more attempts than
    the limit get through). What a block costs is the other way round: numbers a process holds
    but does not use are skipped, so a caller whose attempts land on several processes may be
    refused up to (processes - 1) x (LEASE_SIZE - 1) attempts early in a window.

    While one thread asks for a block, the process's other attempts of the same window (a
    double tap on several connections) ask for one number each, as without blocks: a burst
    never strands more than one block per process.
    """

    MAX_KEYS = 50_000  # windows held (about 250 bytes each) before those that ended go

    def __init__(self) -> None:
        self._lock = threading.Lock()  # gthread: the threads of a worker share the blocks
        self._held: dict[str, _Held] = {}

    def take(self, key: str, ends_at: float, block: int) -> tuple[int | None, int]:
        """(the next number held for `key`, 0), or (None, how many numbers to ask Redis for):
        `block` when nobody in the process is asking for this window yet, else 1."""
        with self._lock:
            held = self._held.get(key)
            if held is None:
                if len(self._held) >= self.MAX_KEYS:
                    self._forget_ended()
                self._held[key] = _Held(ends_at, asking=True)
                return None, block
            if held.next <= held.last:
                held.next += 1
                return held.next - 1, 0
            if held.asking:
                return None, 1
            held.asking = True
            return None, block

    def keep(self, key: str, first: int, last: int) -> None:
        """Hold the numbers `first`..`last` of `key`'s window: the block asked for has come."""
        with self._lock:
            held = self._held.get(key)
            if held is not None:
                held.next, held.last, held.asking = first, last, False

    def give_up(self, key: str) -> None:
        """The block asked for did not come (the counter is down): the next attempt asks again."""
        with self._lock:
            held = self._held.get(key)
            if held is not None:
                held.asking = False

    def clear(self) -> None:
        with self._lock:
            self._held.clear()

    def _forget_ended(self) -> None:
        # A key names its window: ended windows are never asked for again.
        now = time.time()
        self._held = {k: h for k, h in self._held.items() if h.ends_at > now}
        if len(self._held) >= self.MAX_KEYS:
            self._held.clear()  # numbers held are skipped: stricter, never looser


_leases = Leases()


def forget_leases() -> None:
    """Drop this process's blocks of attempt numbers (tests: counters start again per test)."""
    _leases.clear()


class AttemptNumber:
    """This attempt's number in its window (1 for the first; 0 while the counter is down):
    from this process's block when one is left, else asked of Redis now and read by
    `result()` (as `PendingCount`, so that the round trip overlaps other work). The attempt is
    within the rate when its number is at most the window's limit. Call `result()` once, also
    on errors (until then the process's other attempts of this window ask one by one).
    """

    def __init__(self, window: "Window", leases: Leases | None = None) -> None:
        self.window = window
        self._leases = leases or _leases
        self._number, self._step = self._leases.take(
            window.key, window.ends_at, min(LEASE_SIZE, window.limit)
        )
        self._pending = PendingCount(window.key, window.period, self._step) if self._step else None

    def result(self) -> int:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            last = pending.result()
            if last <= 0:  # the counter is unavailable: fail open
                self._number = 0
                if self._step > 1:
                    self._leases.give_up(self.window.key)
            else:
                self._number = last - self._step + 1
                if self._step > 1:
                    self._leases.keep(self.window.key, self._number + 1, last)
        assert self._number is not None
        return self._number


def _script(client: redis.Redis) -> Any:
    """The counter's script (EVALSHA; redis-py loads it again if the server lost it)."""
    if not _scripts:
        _scripts.append(client.register_script(_INCR_IN_WINDOW))
    return _scripts[0]


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
