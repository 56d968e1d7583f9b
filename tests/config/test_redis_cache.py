"""The Redis cache backend that keeps one client per connection pool (config.redis_cache)."""

import os
import uuid

import pytest

from config.redis_cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
KEYS = ("history", "count", "missing", "short", "a")


@pytest.fixture
def cache() -> RedisCache:
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-redis-cache-{uuid.uuid4().hex}"})
    yield backend
    # Only this test's keys: the Redis database may be shared with other tests.
    backend.delete_many(KEYS)


def test_values_round_trip_through_redis(cache: RedisCache) -> None:
    cache.set("history", [1.5, 2.5], 30)
    cache.set("count", 3, 30)

    assert cache.get("history") == [1.5, 2.5]
    assert cache.incr("count") == 4
    assert cache.get("missing", "default") == "default"


def test_one_client_serves_every_call_of_a_pool(cache: RedisCache) -> None:
    first = cache._cache.get_client("a", write=True)
    cache.set("a", 1, 30)
    cache.get("a")

    assert cache._cache.get_client("b", write=True) is first
    assert cache._cache.get_client("b") is first  # one server: reads use the same pool


def test_expired_values_are_gone(cache: RedisCache) -> None:
    cache.set("short", "x", 0)

    assert cache.get("short") is None
