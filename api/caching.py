"""Rendered response bodies kept in process memory for a moment, for the hottest public reads.

The venue availability grid of a week is about 2,000 slots and 500 KB of JSON: building it costs
some 35 ms of CPU, a hundred times a trivial request, and before a release time everybody
refreshes it. Kept for a second per process, a refresh costs a dictionary lookup, and each
worker builds a given grid at most once a second; bookings still decide on the database row, so
a grid at most a second old is only a display that is a second late.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class RenderedCache:
    """Bodies by key, each for its own time to live, at most `max_bytes` in all (oldest first out).

    Thread-safe; reads take no lock (a dict lookup is atomic), writes do.
    """

    def __init__(
        self, *, max_bytes: int = 32 * 2**20, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._items: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """The body kept for `key`, or None when there is none or it has expired."""
        item = self._items.get(key)
        if item is None or item[0] <= self._clock():
            return None
        return item[1]

    def put(self, key: Hashable, body: bytes, ttl: float) -> None:
        """Keep `body` for `ttl` seconds (nothing when `ttl` <= 0 or the body alone is too big)."""
        if ttl <= 0 or len(body) > self._max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._items[key] = (self._clock() + ttl, body)
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
