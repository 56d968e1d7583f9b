"""The booking throttle's counter on a real Redis (db from REDIS_URL, default 8)."""

import os
import uuid

import pytest
import redis

from api.throttling import PendingCount, count_in_window

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/8"


@pytest.fixture
def redis_cache(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": REDIS_URL}
    }
    return redis.Redis.from_url(REDIS_URL)


def test_counter_counts_and_expires_with_its_window(redis_cache):  # type: ignore[no-untyped-def]
    key = f"test-throttle-{uuid.uuid4().hex}"
    try:
        assert [count_in_window(key, 30) for _ in range(3)] == [1, 2, 3]
        assert 0 < redis_cache.ttl(key) <= 30
    finally:
        redis_cache.delete(key)


def test_pending_count_overlaps_and_shares_the_counter(redis_cache):  # type: ignore[no-untyped-def]
    key = f"test-throttle-{uuid.uuid4().hex}"
    try:
        first = PendingCount(key, 30)  # sent, not read
        second = PendingCount(key, 30)  # counted at once: one count in flight per thread
        assert second.result() == 2
        assert first.result() == 1
        assert count_in_window(key, 30) == 3
        assert 0 < redis_cache.ttl(key) <= 30
        third = PendingCount(key, 30)
        assert third.result() == 4
        assert not PendingCount._local.conn.can_read()  # no reply left behind on the connection
    finally:
        redis_cache.delete(key)


def test_pending_count_survives_a_dropped_connection(redis_cache):  # type: ignore[no-untyped-def]
    key = f"test-throttle-{uuid.uuid4().hex}"
    try:
        assert PendingCount(key, 30).result() == 1
        PendingCount._local.conn.disconnect()  # as after a Redis restart
        assert PendingCount(key, 30).result() == 2
    finally:
        redis_cache.delete(key)


def test_pending_count_reloads_a_script_the_server_lost(redis_cache):  # type: ignore[no-untyped-def]
    key = f"test-throttle-{uuid.uuid4().hex}"
    try:
        assert PendingCount(key, 30).result() == 1
        redis_cache.script_flush()  # as after a Redis restart
        assert PendingCount(key, 30).result() == 2
        assert PendingCount(key, 30).result() == 3
    finally:
        redis_cache.delete(key)


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
