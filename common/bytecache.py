"""A per-process cache of byte strings by key, bounded in bytes (least recently used first)."""

import threading
from collections import OrderedDict


class BoundedBytesCache:
    """Bodies by key (an ETag), at most `max_bytes` in all; a body over half of it is not kept.

    Thread-safe: gunicorn's threads of one worker share it.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._data.get(key)
            if body is not None:
                self._data.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 2:
            return
        with self._lock:
            if key in self._data:
                return
            self._data[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, old = self._data.popitem(last=False)
                self._size -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0
