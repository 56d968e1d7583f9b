from common.bytecache import BoundedBytesCache


def test_the_least_recently_used_body_goes_first_when_over_the_bound():
    cache = BoundedBytesCache(max_bytes=10)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # now the most recently used
    cache.put("c", b"cccc")
    assert cache.get("b") is None
    assert cache.get("a") == b"aaaa"
    assert cache.get("c") == b"cccc"


def test_a_body_over_half_the_bound_is_not_kept():
    cache = BoundedBytesCache(max_bytes=10)
    cache.put("big", b"x" * 6)
    assert cache.get("big") is None


def test_clear_forgets_everything():
    cache = BoundedBytesCache(max_bytes=10)
    cache.put("a", b"aa")
    cache.clear()
    assert cache.get("a") is None
