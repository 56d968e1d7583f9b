"""`common.redis`: one Redis client per purpose and server in a process, none inherited by a fork."""

import os
import threading
import warnings

import pytest
import redis

import common.redis
from api.fastpath import throttle
from config.redis_cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
OTHER_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(autouse=True)
def _fresh_registry():  # type: ignore[no-untyped-def]
    common.redis.reset()
    yield
    common.redis.reset()


def test_one_client_per_purpose_and_server():
    client = common.redis.get_client(REDIS_URL, purpose="test")
    assert common.redis.get_client(REDIS_URL, purpose="test") is client
    assert common.redis.get_client(REDIS_URL, purpose="other") is not client
    assert common.redis.get_client(OTHER_URL, purpose="test") is not client


def test_a_purposes_options_are_those_of_its_first_call():
    client = common.redis.get_client(REDIS_URL, purpose="test", socket_timeout=0.25)
    assert common.redis.get_client(REDIS_URL, purpose="test", socket_timeout=9) is client
    assert client.connection_pool.connection_kwargs["socket_timeout"] == 0.25
    assert client.connection_pool.connection_kwargs["db"] == int(REDIS_URL.rsplit("/", 1)[1])


def test_the_client_talks_to_its_server():
    assert common.redis.get_client(REDIS_URL, purpose="test").ping() is True


def test_threads_racing_for_a_new_purpose_get_one_client():
    start = threading.Barrier(16)
    got: list[redis.Redis] = []

    def take() -> None:
        start.wait()
        got.append(common.redis.get_client(REDIS_URL, purpose="race"))

    threads = [threading.Thread(target=take) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 16 and len({id(client) for client in got}) == 1


def test_a_forked_child_makes_its_own_client():
    parent = common.redis.get_client(REDIS_URL, purpose="test")
    parent.ping()  # a connection the child must not share
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python warns when other threads run (the suite's doorbell may): the child only
        # makes a client and pings, taking no lock another thread could hold.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report, and leave without running the parent's cleanup
        try:
            child = common.redis.get_client(REDIS_URL, purpose="test")
            ok = child is not parent and child.ping() is True
            os.write(write, b"new" if ok else b"same")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"new"
    assert common.redis.get_client(REDIS_URL, purpose="test") is parent  # the parent keeps it


def test_the_cache_takes_its_client_from_the_registry():
    caches = [RedisCache(REDIS_URL, {}), RedisCache(REDIS_URL, {})]  # Django: one per thread
    client = common.redis.get_client(REDIS_URL, purpose="cache")
    assert caches[0]._cache.get_client(write=True) is client
    assert caches[1]._cache.get_client() is client


def test_the_throttle_takes_its_client_from_the_registry(settings):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": REDIS_URL}
    }
    client = throttle._redis_client()
    assert client is common.redis.get_client(REDIS_URL, purpose="throttle")
    # Bounded waits: a hung Redis must not hang a booking attempt.
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == throttle.REDIS_TIMEOUT
    assert client is not common.redis.get_client(REDIS_URL, purpose="cache")
