"""The throttle's Redis command: hand-written RESP bytes against redis-py's own packing.

    .venv/bin/python bench/resp_pack.py                          # Redis db 7, the bench's
    .venv/bin/python bench/resp_pack.py --redis-url redis://127.0.0.1:6379/4 -n 20000

The booking throttle sends `EVALSHA <sha> 1 <key> <ttl> <step>` on a connection of its own and
reads the reply later (`api.fastpath.throttle.PendingCount`). Until issue 13 it wrote the
command's bytes by hand (`hand_packed` below, kept here as the reference); now redis-py packs
it (`Connection.send_command`). This times, interleaved in one process, best and median of 7
batches:

- packing alone, both ways;
- the round trip as the throttle makes it (send, then read the reply), both ways;
- a trivial Redis round trip (`PING`) in the same run, to compare with.

CPU time (`time.process_time`) is what a server under a rush pays; wall time adds the wait for
redis-server. Keys are throwaway and deleted at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable

import redis

SCRIPT = """
local step = tonumber(ARGV[2] or '1')
local count = redis.call('INCRBY', KEYS[1], step)
if count == step then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def hand_packed(*parts: str) -> bytes:
    """The throttle's former hand-written packing (RESP array of bulk strings)."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def timed(run: Callable[[], object], n: int) -> tuple[float, float]:
    """(CPU, wall) microseconds per call over `n` calls."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        run()
    return (
        (time.process_time() - cpu) * 1e6 / n,
        (time.perf_counter() - wall) * 1e6 / n,
    )


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    p.add_argument("-n", type=int, default=10000, help="calls per batch (round trips: n / 4)")
    p.add_argument("--batches", type=int, default=7)
    args = p.parse_args(argv)

    client = redis.Redis.from_url(args.redis_url, socket_timeout=0.5)
    sha = client.register_script(SCRIPT).sha
    client.script_load(SCRIPT)
    conn = client.connection_pool.make_connection()
    conn.connect()
    key = f"bench-resp-{uuid.uuid4().hex}"
    ttl, step = 60, 5

    def pack_hand() -> object:
        return hand_packed("EVALSHA", sha, "1", key, str(ttl), str(step))

    def pack_redis_py() -> object:
        return conn.pack_command("EVALSHA", sha, 1, key, ttl, step)

    def trip_hand() -> object:
        conn.send_packed_command([hand_packed("EVALSHA", sha, "1", key, str(ttl), str(step))])
        return conn.read_response()

    def trip_redis_py() -> object:
        conn.send_command("EVALSHA", sha, 1, key, ttl, step)
        return conn.read_response()

    def trip_ping() -> object:
        conn.send_command("PING")
        return conn.read_response()

    assert hand_packed("EVALSHA", sha, "1", key, "60", "5") == b"".join(pack_redis_py())  # type: ignore[arg-type]
    cases = {
        "pack, hand-written": (pack_hand, args.n),
        "pack, redis-py": (pack_redis_py, args.n),
        "round trip, hand-written": (trip_hand, args.n // 4),
        "round trip, redis-py": (trip_redis_py, args.n // 4),
        "trivial op: PING round trip": (trip_ping, args.n // 4),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    try:
        for run, n in cases.values():  # warm-up
            timed(run, max(n // 10, 1))
        for _ in range(args.batches):  # interleaved: drift hits every case alike
            for name, (run, n) in cases.items():
                results[name].append(timed(run, n))
    finally:
        client.delete(key)
        conn.disconnect()

    def best(name: str, index: int) -> float:
        return min(r[index] for r in results[name])

    def median(name: str, index: int) -> float:
        return statistics.median(r[index] for r in results[name])

    ping_cpu = median("trivial op: PING round trip", 0)
    print(f"redis-py {redis.__version__}, {args.batches} batches; us per call")
    print(f"{'':30} {'CPU best':>9} {'CPU med':>9} {'wall med':>9} {'CPU / PING':>11}")
    for name in cases:
        print(
            f"{name:30} {best(name, 0):9.2f} {median(name, 0):9.2f} {median(name, 1):9.2f}"
            f" {median(name, 0) / ping_cpu:11.2f}"
        )
    extra_pack = median("pack, redis-py", 0) - median("pack, hand-written", 0)
    extra_trip = median("round trip, redis-py", 0) - median("round trip, hand-written", 0)
    print(f"redis-py's packing costs {extra_pack:+.2f} us CPU per command alone,")
    print(f"{extra_trip:+.2f} us per round trip ({extra_trip / ping_cpu:+.1%} of a PING's)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
