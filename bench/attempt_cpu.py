"""CPU one request costs inside Django, per path of a booking rush (no server, no load).

    python bench/flash_crowd.py --rounds 1 --skip-availability   # loads the bench database
    python bench/attempt_cpu.py                                  # then this, on that data

It calls the WSGI application in this process, as gunicorn's worker would, and reports the CPU
time (not wall time) per request, best of 5 batches, for:

- the trivial endpoint `GET /api/v1/health/`;
- a refused attempt: `POST /api/v1/bookings/` on a slot that is full (`409 slot_taken`);
- a successful attempt: `POST /api/v1/bookings/` on a free slot (`201`);
- an idempotent replay (`200`).

`--without SHORTCUT,...` switches shortcuts of `api/fastpath/` off in this process, to measure
what each saves (api/fastpath/README.md): `middleware` (Django's session, CSRF, auth and messages
middleware run for token calls too), `fast-path` (DRF's dispatch answers every attempt),
`token-query` (with `fast-path`: DRF's own `TokenAuthentication` instead of the hand-written
lookup), `leases` (one Redis count per attempt instead of a block of 5), `throttle` (no
throttle at all: the whole counter's cost), `health-check` (Django's `SELECT 1` before each
request's first query). The `refused5` path is the crowd's: each resident tries 5 full slots.

What it leaves out is what the server adds around the application (HTTP parsing, thread and
process switches around round trips): `bench/flash_crowd.py` measures the whole. Successful
attempts book free slots of the availability venue; the next flash_crowd run flushes them.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def environ(method: str, path: str, *, token: str = "", body: bytes = b"", key: str = "") -> dict:
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
    }
    if body:
        env["CONTENT_TYPE"] = "application/json"
    if token:
        env["HTTP_AUTHORIZATION"] = f"Token {token}"
    if key:
        env["HTTP_IDEMPOTENCY_KEY"] = key
    return env


def call(app: Callable[..., Any], env: dict) -> str:
    status: list[str] = []
    body = b"".join(app(env, lambda s, h, exc_info=None: status.append(s)))
    return status[0] if status[0][0] == "2" else f"{status[0]} {body[:80].decode(errors='replace')}"


def cpu_per_request(run: Callable[[int], str], *, n: int, expect: str) -> float:
    """Best of 5 batches of `n` requests, in CPU milliseconds per request."""
    best = float("inf")
    for batch in range(5):
        start = time.process_time()
        for i in range(n):
            status = run(batch * n + i)
            if not status.startswith(expect):
                raise SystemExit(f"expected {expect}, got {status}")
        best = min(best, (time.process_time() - start) * 1000 / n)
    return best


SHORTCUTS = ("middleware", "fast-path", "token-query", "leases", "throttle", "health-check")


def switch_off(without: set[str]) -> None:
    """Undo the named shortcuts of api/fastpath in this process (after django.setup)."""
    from rest_framework.authentication import SessionAuthentication, TokenAuthentication

    from api.fastpath import booking_create, middleware, throttle
    from api.views.bookings import BookingCollectionView

    if "middleware" in without:
        middleware.is_cookieless_token_call = lambda request: False  # type: ignore[assignment]
    if "fast-path" in without:
        booking_create.create_booking = lambda request, view: None  # type: ignore[assignment]
    if "token-query" in without:
        BookingCollectionView.authentication_classes = [TokenAuthentication, SessionAuthentication]
    if "leases" in without:
        throttle.LEASE_SIZE = 1


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", type=int, default=300, help="requests per batch")
    p.add_argument(
        "--profile",
        metavar="PATH",
        choices=["trivial", "refused", "refused5", "success", "replay"],
        help="also print cProfile's top functions (CPU time) for one path",
    )
    p.add_argument("--sort", default="cumulative", help="pstats sort key (e.g. tottime)")
    p.add_argument(
        "--without",
        default="",
        help="comma-separated shortcuts to switch off: " + ", ".join(SHORTCUTS),
    )
    p.add_argument("--paths", default="", help="comma-separated paths to time (default: all)")
    args = p.parse_args(argv)
    without = {name for name in args.without.split(",") if name}
    if without - set(SHORTCUTS):
        raise SystemExit(f"unknown shortcuts: {sorted(without - set(SHORTCUTS))}")
    os.environ.update(common.server_env(8000))
    if "throttle" in without:
        os.environ["THROTTLE_BOOKING_CREATE"] = "off"
    if "health-check" in without:
        os.environ["DB_HEALTH_CHECK_AFTER_IDLE"] = "0"
    import django

    django.setup()
    switch_off(without)
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.utils import timezone

    app = get_wsgi_application()
    with connection.cursor() as cursor:
        cursor.execute("SELECT t.key, t.user_id FROM authtoken_token t ORDER BY t.user_id")
        tokens = cursor.fetchall()
        cursor.execute(
            # Full, open and bookable but for its places: the crowd's popular slots.
            "SELECT s.id FROM booking_slot s WHERE s.remaining = 0 AND NOT s.is_closed AND s.price = 0 "
            "AND s.starts_at > %s AND EXISTS (SELECT 1 FROM booking_booking b "
            "WHERE b.slot_id = s.id AND b.status = 'confirmed')",
            [timezone.now() + dt.timedelta(hours=3)],
        )
        full = [row[0] for row in cursor.fetchall()]
        # Free slots, each with a resident who holds no booking of it (a random one, so that
        # reruns on the same data find new pairs).
        cursor.execute(
            "SELECT s.id, (SELECT t.key FROM authtoken_token t WHERE NOT EXISTS ("
            "  SELECT 1 FROM booking_booking b WHERE b.slot_id = s.id AND b.resident_id = t.user_id"
            "  AND b.status IN ('held', 'confirmed', 'checked_in')) ORDER BY random() LIMIT 1) "
            "FROM booking_slot s WHERE s.remaining > 1 AND NOT s.is_closed AND s.starts_at > %s "
            "AND s.price = 0 ORDER BY s.starts_at, s.id",
            [timezone.now() + dt.timedelta(hours=3)],
        )
        free = cursor.fetchall()
    if not full or len(free) <= args.n:
        raise SystemExit("run bench/flash_crowd.py first: it loads the data this needs")

    def book(token: str, slot_id: int, key: str) -> str:
        body = json.dumps({"slot": slot_id, "party_size": 1}).encode()
        return call(app, environ("POST", "/api/v1/bookings/", token=token, body=body, key=key))

    def trivial(i: int) -> str:
        return call(app, environ("GET", "/api/v1/health/"))

    def refused(i: int) -> str:
        return book(tokens[i % len(tokens)][0], full[i % len(full)], uuid.uuid4().hex)

    def refused5(i: int) -> str:
        # As in the crowd: a resident's 5 tries in a row (from the other end of the tokens:
        # residents the `refused` path, which runs first, has not taken numbers for).
        return book(tokens[-1 - (i // 5) % len(tokens)][0], full[i % len(full)], uuid.uuid4().hex)

    def success(i: int) -> str:
        slot_id, token = free[i]
        return book(token, slot_id, f"cpu-{i}-{time.time()}")

    replay_key = f"replay-{time.time()}"
    replay_slot, replayer = free[-1]
    first = book(replayer, replay_slot, replay_key)
    if not first.startswith("201"):
        raise SystemExit(f"the booking to replay was refused: {first}")

    def replay(i: int) -> str:
        return book(replayer, replay_slot, replay_key)

    paths = {
        "trivial": ("trivial GET /api/v1/health/", trivial, "200"),
        "refused": ("refused attempt (409)", refused, "409"),
        "refused5": ("refused, 5 tries per resident", refused5, "409"),
        "success": ("successful attempt (201)", success, "201"),
        "replay": ("idempotent replay (200)", replay, "200"),
    }
    chosen = [name for name in args.paths.split(",") if name] or list(paths)
    print(f"without: {', '.join(sorted(without)) or 'nothing'}")
    for name, run, expect in (paths[name] for name in chosen):
        ms = cpu_per_request(run, n=args.n if expect != "201" else args.n // 5, expect=expect)
        print(f"{name:32} {ms:6.3f} ms CPU per request")
    if args.profile:
        _, run, expect = paths[args.profile]
        # Successes need fresh free slots: start after those the timing used.
        offset = 5 * (args.n // 5) if expect == "201" else 0
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(
            lambda: [run(offset + i) for i in range(args.n // 5 if expect == "201" else args.n)]
        )
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(45)
        if os.environ.get("PROFILE_CALLEES"):  # e.g. PROFILE_CALLEES=insert_booking
            stats.print_callees(os.environ["PROFILE_CALLEES"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
