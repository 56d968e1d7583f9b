"""The booking throttle's counter on a real Redis (db from REDIS_URL, default 8)."""

import os
import threading
import time
import uuid

import pytest
import redis

from api.fastpath.throttle import (
    LEASE_SIZE,
    AttemptNumber,
    Leases,
    PendingCount,
    Window,
    count_in_window,
)

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/8"


@pytest.fixture
def redis_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": REDIS_URL}
    }
    return redis.Redis.from_url(REDIS_URL)


@pytest.fixture
def new_key(redis_cache):  # type: ignore[no-untyped-def]
    """Counter keys of this test, deleted from Redis after it."""
    keys: list[str] = []

    def make() -> str:
        keys.append(f"test-throttle-{uuid.uuid4().hex}")
        return keys[-1]

    yield make
    if keys:
        redis_cache.delete(*keys)


def test_counter_counts_and_expires_with_its_window(redis_cache, new_key):  # type: ignore[no-untyped-def]
    key = new_key()
    assert [count_in_window(key, 30) for _ in range(3)] == [1, 2, 3]
    assert 0 < redis_cache.ttl(key) <= 30


def test_pending_count_overlaps_and_shares_the_counter(redis_cache, new_key):  # type: ignore[no-untyped-def]
    key = new_key()
    first = PendingCount(key, 30)  # sent, not read
    second = PendingCount(key, 30)  # counted at once: one count in flight per thread
    assert second.result() == 2
    assert first.result() == 1
    assert count_in_window(key, 30) == 3
    assert 0 < redis_cache.ttl(key) <= 30
    third = PendingCount(key, 30)
    assert third.result() == 4
    assert not PendingCount._local.conn.can_read()  # no reply left behind on the connection


def test_pending_count_survives_a_dropped_connection(new_key):  # type: ignore[no-untyped-def]
    key = new_key()
    assert PendingCount(key, 30).result() == 1
    PendingCount._local.conn.disconnect()  # as after a Redis restart
    assert PendingCount(key, 30).result() == 2


def test_pending_count_reloads_a_script_the_server_lost(redis_cache, new_key):  # type: ignore[no-untyped-def]
    key = new_key()
    assert PendingCount(key, 30).result() == 1
    redis_cache.script_flush()  # as after a Redis restart
    assert PendingCount(key, 30).result() == 2
    assert PendingCount(key, 30).result() == 3


def test_pending_count_without_redis_counts_in_the_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [PendingCount("k", 30).result() for _ in range(3)] == [1, 2, 3]


def test_the_counter_fails_open_while_redis_is_down(settings, caplog):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    assert count_in_window("k", 30) == 0
    assert PendingCount("k", 30).result() == 0
    assert "throttle counter unavailable" in caplog.text


def window(key: str, limit: int) -> Window:
    return Window(key, limit, 60, time.time() + 60)


def test_a_process_numbers_its_attempts_from_one_block(redis_cache, new_key):  # type: ignore[no-untyped-def]
    w, leases = window(new_key(), 30), Leases()
    numbers, counters = [], []
    for _ in range(LEASE_SIZE + 1):
        numbers.append(AttemptNumber(w, leases).result())
        counters.append(int(redis_cache.get(w.key)))
    assert numbers == list(range(1, LEASE_SIZE + 2))
    # One INCRBY for the first LEASE_SIZE attempts, the next for the one after.
    assert counters == [LEASE_SIZE] * LEASE_SIZE + [2 * LEASE_SIZE]
    assert 0 < redis_cache.ttl(w.key) <= 60


def test_processes_never_let_more_than_the_limit_through(new_key):  # type: ignore[no-untyped-def]
    w = window(new_key(), 8)
    processes = [Leases(), Leases(), Leases()]
    numbers = [AttemptNumber(w, processes[i % 3]).result() for i in range(30)]
    assert len(set(numbers)) == 30  # no number handed out twice
    allowed = sum(1 for n in numbers if n <= w.limit)
    # Never more than the limit; numbers held unused by the other processes are skipped.
    assert w.limit - 2 * (LEASE_SIZE - 1) <= allowed <= w.limit


def test_threads_of_a_process_skip_no_number(redis_cache, new_key):  # type: ignore[no-untyped-def]
    w, leases = window(new_key(), 1000), Leases()
    numbers: list[int] = []
    start = threading.Barrier(8)

    def attempts() -> None:
        start.wait()
        for _ in range(7):
            numbers.append(AttemptNumber(w, leases).result())

    threads = [threading.Thread(target=attempts) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = []
    while (n := leases.take(w.key, w.ends_at, LEASE_SIZE)[0]) is not None:
        held.append(n)
    # Every number handed out is used or still held by the process.
    assert sorted(numbers + held) == list(range(1, int(redis_cache.get(w.key)) + 1))
    assert len(numbers) == 56


def test_a_burst_while_a_block_is_on_its_way_takes_single_numbers(new_key):  # type: ignore[no-untyped-def]
    """A double tap on ten connections: all within a limit of 14, none beyond it."""
    w, leases = window(new_key(), 14), Leases()
    burst = [AttemptNumber(w, leases) for _ in range(10)]  # the first asks for a block
    numbers = [attempt.result() for attempt in burst]
    assert numbers == [1, *range(LEASE_SIZE + 1, LEASE_SIZE + 10)]
    later = [AttemptNumber(w, leases).result() for _ in range(5)]
    assert later == [2, 3, 4, 5, 15]  # the block's numbers, then beyond the limit
    assert sum(1 for n in numbers + later if n <= w.limit) == w.limit


def test_the_windows_that_ended_go_when_the_process_holds_too_many() -> None:
    leases = Leases()
    leases.MAX_KEYS = 3
    for key, ends_at in [("ended-1", -1), ("ended-2", -1), ("current", 60)]:
        assert leases.take(key, time.time() + ends_at, 5) == (None, 5)
        leases.keep(key, 2, 5)
    assert leases.take("new", time.time() + 60, 5) == (None, 5)
    assert leases.take("ended-1", time.time() + 60, 5) == (None, 5)  # forgotten: asks again
    assert leases.take("current", time.time() + 60, 5) == (2, 0)


def test_an_attempt_number_fails_open_and_holds_nothing_while_redis_is_down(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    w, leases = window("test-throttle-unreachable", 3), Leases()
    assert AttemptNumber(w, leases).result() == 0
    assert AttemptNumber(w, leases).result() == 0
    # Nothing held; the next attempt asks for a block again (not one number: nobody is asking).
    assert leases.take(w.key, w.ends_at, 3) == (None, 3)
