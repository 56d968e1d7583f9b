"""What each shortcut of api/fastpath saves, measured in pairs in one process.

    python bench/flash_crowd.py --rounds 1 --skip-availability   # loads the bench database
    python bench/fastpath_savings.py                             # then this, on that data

A refused booking attempt as the crowd makes it (`POST /api/v1/bookings/` on a full slot, each
resident trying 5 slots in a row) is timed in batches with one shortcut switched off, each batch
next to a batch with every shortcut on, and the trivial endpoint (`GET /api/v1/health/`) too.
The ratio of each pair is taken, and the median over rounds is reported: on a shared machine
whose speed drifts by 10-30% within a minute (bench/README.md), adjacent batches drift alike,
where separate runs do not. CPU time (`time.process_time`) of the WSGI application called in
this process, as gunicorn's worker calls it.

Shortcuts (as `bench/attempt_cpu.py --without`): `middleware`, `fast-path`, `token-query`
(with `fast-path` off: DRF's own `TokenAuthentication`), `leases`, `throttle`,
`health-check`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.attempt_cpu import call, environ


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", type=int, default=150, help="requests per batch")
    p.add_argument("--rounds", type=int, default=8)
    args = p.parse_args(argv)
    os.environ.update(common.server_env(8000))
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authentication import SessionAuthentication, TokenAuthentication
    from rest_framework.settings import api_settings

    from api.fastpath import booking_create, middleware, throttle
    from api.views.bookings import BookingCollectionView

    app = get_wsgi_application()
    with connection.cursor() as cursor:
        cursor.execute("SELECT t.key FROM authtoken_token t ORDER BY t.user_id")
        tokens = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT s.id FROM booking_slot s WHERE s.remaining = 0 AND NOT s.is_closed "
            "AND s.price = 0 AND s.starts_at > %s AND EXISTS (SELECT 1 FROM booking_booking b "
            "WHERE b.slot_id = s.id AND b.status = 'confirmed')",
            [timezone.now()],
        )
        full = [row[0] for row in cursor.fetchall()]
    if not full:
        raise SystemExit("run bench/flash_crowd.py first: it loads the data this needs")

    counter = iter(range(10**9))

    def refused5(i: int) -> str:
        body = json.dumps({"slot": full[i % len(full)], "party_size": 1}).encode()
        token = tokens[(i // 5) % len(tokens)]
        env = environ("POST", "/api/v1/bookings/", token=token, body=body, key=uuid.uuid4().hex)
        return call(app, env)

    def trivial(i: int) -> str:
        return call(app, environ("GET", "/api/v1/health/"))

    def batch(run: Callable[[int], str], expect: str) -> float:
        start = time.process_time()
        for _ in range(args.n):
            status = run(next(counter))
            if not status.startswith(expect):
                raise SystemExit(f"expected {expect}, got {status}")
        return (time.process_time() - start) * 1000 / args.n

    def patched(obj: object, name: str, value: object) -> Callable[[], Iterator[None]]:
        @contextmanager
        def switch() -> Iterator[None]:
            old = getattr(obj, name)
            setattr(obj, name, value)
            try:
                yield
            finally:
                setattr(obj, name, old)

        return switch

    @contextmanager
    def no_fast_path_nor_token_query() -> Iterator[None]:
        drf_token = [TokenAuthentication, SessionAuthentication]
        with (
            patched(booking_create, "create_booking", lambda request, view: None)(),
            patched(BookingCollectionView, "authentication_classes", drf_token)(),
        ):
            yield

    rates = api_settings.DEFAULT_THROTTLE_RATES
    switches: dict[str, Callable[[], Iterator[None]]] = {
        "middleware": patched(middleware, "is_cookieless_token_call", lambda request: False),
        "fast-path": patched(booking_create, "create_booking", lambda request, view: None),
        "fast-path,token-query": no_fast_path_nor_token_query,
        "leases": patched(throttle, "LEASE_SIZE", 1),
        "throttle": _rate_off(rates),
        "health-check": _health_check_always(connection),
    }
    ratios: dict[str, list[float]] = {name: [] for name in switches}
    absolute: dict[str, list[tuple[float, float]]] = {name: [] for name in switches}
    trivial_ms: list[float] = []
    batch(refused5, "409")  # warm-up
    batch(trivial, "200")
    for round_ in range(args.rounds):
        trivial_ms.append(batch(trivial, "200"))
        names = list(switches)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in names:
            on = batch(refused5, "409")
            with switches[name]():
                off = batch(refused5, "409")
            ratios[name].append(off / on)
            absolute[name].append((on, off))
    print(
        f"refused attempt, 5 tries per resident; {args.rounds} rounds of paired batches of "
        f"{args.n}; trivial GET /api/v1/health/ {statistics.median(trivial_ms):.3f} ms CPU"
    )
    print(f"{'switched off':24} {'on ms':>7} {'off ms':>7} {'off/on':>7}  (median; off/on range)")
    for name in switches:
        on = statistics.median(a for a, _ in absolute[name])
        off = statistics.median(b for _, b in absolute[name])
        print(
            f"{name:24} {on:7.3f} {off:7.3f} {statistics.median(ratios[name]):7.2f}"
            f"  ({min(ratios[name]):.2f}-{max(ratios[name]):.2f})"
        )
    return 0


def _rate_off(rates: dict[str, str]) -> Callable[[], Iterator[None]]:
    @contextmanager
    def switch() -> Iterator[None]:
        old = rates["booking_create"]
        rates["booking_create"] = "off"
        try:
            yield
        finally:
            rates["booking_create"] = old

    return switch


def _health_check_always(connection: object) -> Callable[[], Iterator[None]]:
    @contextmanager
    def switch() -> Iterator[None]:
        settings_dict = connection.settings_dict  # type: ignore[attr-defined]
        old = settings_dict.get("HEALTH_CHECK_AFTER_IDLE", 0)
        settings_dict["HEALTH_CHECK_AFTER_IDLE"] = 0
        try:
            yield
        finally:
            settings_dict["HEALTH_CHECK_AFTER_IDLE"] = old

    return switch


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
