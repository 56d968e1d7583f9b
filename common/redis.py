"""The process's Redis clients: one per purpose and server URL, made on first use.

A `redis.Redis` holds a connection pool and is thread-safe, but building one costs about 0.1-0.2
ms of CPU (it registers ~170 response callbacks): Django's cache backend built one per cache
call, and the booking throttle had a registry of its own. Both now take their client here:

- `purpose="cache"`: Django's cache (`config.redis_cache`), with the cache's pool options;
- `purpose="throttle"`: the booking throttle's counter (`api.fastpath.throttle`), with short
  socket timeouts so that a hung Redis cannot hang the booking endpoint.

A purpose's options apply when its client is made; a second call with other options gets the
same client. After `fork()` the child starts with no client (`os.register_at_fork`): sockets
opened by the parent are never shared, and a child's first call makes its own.

Celery's broker connections (the tasks, `common.notices`' doorbell) are kombu's, not redis-py
clients: Celery makes and pools them, so they are not here.
"""

import os
import threading
from typing import Any

import redis

_clients: dict[tuple[str, str], redis.Redis] = {}
_lock = threading.Lock()


def get_client(
    url: str,
    *,
    purpose: str,
    pool_class: type[redis.ConnectionPool] = redis.ConnectionPool,
    **options: Any,
) -> redis.Redis:
    """The client of this process for `purpose` on the server `url`, made on first use.

    `options` (socket timeouts, parser class...) and `pool_class` are passed to the
    connection pool the first time only.
    """
    key = (purpose, url)
    client = _clients.get(key)  # a dict read is atomic: no lock once the client exists
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = redis.Redis(connection_pool=pool_class.from_url(url, **options))
                _clients[key] = client
    return client


def reset() -> None:
    """Forget every client (the next call makes new ones); their pools are left to close."""
    global _lock
    _clients.clear()
    # A lock held by another thread of the parent at fork() time stays held in the child.
    _lock = threading.Lock()


os.register_at_fork(after_in_child=reset)
