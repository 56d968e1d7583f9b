"""The booking throttle's counter on a real Redis (db from REDIS_URL, default 8)."""

import os
import uuid

import pytest
import redis

from api.throttling import count_in_window

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
