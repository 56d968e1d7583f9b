"""A city-size ballot draw on PostgreSQL: 100,000 entries of up to 3 choices over 5,000 slots of
one day (half exclusive courts, half shared floors of 20), drawn and booked in one transaction.

    python bench/ballot_draw.py            # set up (about a minute), then draw in a fresh process
    python bench/ballot_draw.py --entries 20000 --slots 1000

Reports the draw's wall time, the drawing process's peak memory (VmHWM, Django included),
and the share of the wall time spent waiting for the database (every statement is timed by a
connection execute wrapper). On a shared machine wall times vary with the other load, so it
also reports CPU time: the drawing process's (`cpu_s`) and its PostgreSQL backend's
(`db_cpu_s`, from /proc when the server runs on this machine, else null). Then, apart from
the draw (a worker does it after the commit), the time the first notice sweep takes to fan
the round's one result notice out into one per entrant (`notices_fan_out_s`). As a yardstick
of the machine's speed in the same run: a trivial request's wall time (`trivial_ms`, GET
/api/v1/health/ in the process) and the draw's wall time in trivial requests
(`draw_per_trivial`). Uses its own database, BENCH_BALLOT_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/luohu_ballot_bench), which is flushed first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get(
    "BENCH_BALLOT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/luohu_ballot_bench"
)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
    # With a broker the result mails wait in the outbox for a worker, as in production; without
    # one (the quick start) they would be sent inside the draw's process and timed with it.
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def ensure_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(entries: int, slot_count: int, seed: int) -> int:
    """Fill the bench database; returns the round id."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from allocation import services
    from allocation.models import BallotEntry, new_ticket
    from booking import rules
    from booking.models import Slot
    from venues.models import BookingPolicy, Resource, Venue

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(seed)
    venue = Venue.objects.create(slug="bench-ballot", name_zh="抽签基准场馆", kind="sports_centre")
    BookingPolicy.objects.create(venue=venue, max_bookings_per_day=3)
    hours = 10
    resources = Resource.objects.bulk_create(
        Resource(
            venue=venue,
            name_zh=f"场地{i}",
            exclusive=i % 2 == 0,
            capacity=4 if i % 2 == 0 else 20,
        )
        for i in range(slot_count // hours)
    )
    day = rules.local_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=20)
    slots = Slot.objects.bulk_create(
        (
            Slot(
                resource=r,
                venue=venue,
                starts_at=dt.datetime.combine(day, dt.time(9 + h), tzinfo=rules.local_tz()),
                ends_at=dt.datetime.combine(day, dt.time(10 + h), tzinfo=rules.local_tz()),
                capacity=r.capacity,
                places=1 if r.exclusive else r.capacity,
                remaining=1 if r.exclusive else r.capacity,
            )
            for r in resources
            for h in range(hours)
        ),
        batch_size=5000,
    )
    users = User.objects.bulk_create(
        (User(username=f"bench{i}", password="!") for i in range(entries)), batch_size=10000
    )
    now = dt.datetime.now(dt.UTC)
    ballot = services.create_round(
        venue_id=venue.pk,
        slot_ids=[s.pk for s in slots],
        opens_at=now - dt.timedelta(hours=2),
        closes_at=now - dt.timedelta(hours=1),
        draws_at=now - dt.timedelta(hours=1),
        releases_at=now + dt.timedelta(days=1),
        now=now - dt.timedelta(hours=3),
    )
    ids = [s.pk for s in slots]
    BallotEntry.objects.bulk_create(
        (
            BallotEntry(
                round=ballot,
                resident=u,
                ticket=new_ticket(),
                choices=rng.sample(ids, k=rng.randint(1, 3)),
                party_size=rng.randint(1, 4),
            )
            for u in users
        ),
        batch_size=10000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ballot.pk


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across
    the fork and exec that started it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_cpu_s(pid: int) -> float | None:
    """CPU time (user + system) of a local process, from /proc; None if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def trivial_request_ms(n: int = 2000) -> float:
    """Wall milliseconds per trivial request (GET /api/v1/health/ through Django's WSGI handler
    in this process, as bench/attempt_cpu.py's `trivial`): best of 3 batches of `n`."""
    from django.core.wsgi import get_wsgi_application

    from bench.attempt_cpu import call, environ

    app = get_wsgi_application()
    best = float("inf")
    for _batch in range(3):
        started = time.perf_counter()
        for _ in range(n):
            status = call(app, environ("GET", "/api/v1/health/"))
            if not status.startswith("200"):
                raise SystemExit(f"the trivial endpoint answered {status}")
        best = min(best, (time.perf_counter() - started) * 1000 / n)
    return best


def draw(round_id: int) -> dict[str, Any]:
    """Draw the round in this process, timing the database's share."""
    from django.db import connection

    from allocation import services
    from allocation.models import BallotEntry
    from booking.models import Booking
    from common import notices
    from common.models import Notice

    db_seconds = 0.0
    statements: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal db_seconds
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            db_seconds += took
            statements.append((took, " ".join(sql.split())[:70]))

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    base_rss = peak_rss_mb()
    db_cpu = backend_cpu_s(backend)
    cpu = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        outcome = services.draw_round(round_id=round_id)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db_cpu_after = backend_cpu_s(backend)
    peak_rss = peak_rss_mb()
    assert outcome.drawn_now
    trivial_ms = trivial_request_ms()  # after the peak memory is read: it loads the URLconf
    # After the commit, in a worker: the first sweep fans the round's one notice out into one
    # per entrant (the mails themselves are sent by later sweeps, one by one).
    fan_out = time.perf_counter()
    notices.send_due_notices(limit=1)
    fan_out = time.perf_counter() - fan_out
    return {
        "wall_s": round(wall, 2),
        # The machine's speed in the same run: the draw's wall time in trivial requests.
        "trivial_ms": round(trivial_ms, 3),
        "draw_per_trivial": round(wall * 1000 / trivial_ms),
        "db_s": round(db_seconds, 2),
        "db_share": round(db_seconds / wall, 2),
        "cpu_s": round(cpu, 2),
        "db_cpu_s": None
        if db_cpu is None or db_cpu_after is None
        else round(db_cpu_after - db_cpu, 2),
        "peak_rss_mb": round(peak_rss, 1),
        "notices_fan_out_s": round(fan_out, 2),
        "notices_owed": Notice.objects.filter(sent_at__isnull=True).count(),
        "rss_before_draw_mb": round(base_rss, 1),
        "entries": BallotEntry.objects.filter(round_id=round_id).count(),
        "winners": BallotEntry.objects.filter(round_id=round_id, status="won").count(),
        "bookings": Booking.objects.count(),
        "slowest_statements": [[round(t, 2), q] for t, q in sorted(statements)[-5:]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--slots", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--draw-only", type=int, metavar="ROUND_ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.draw_only:
        setup_django()
        print(json.dumps(draw(args.draw_only)))
        return
    ensure_database()
    setup_django()
    started = time.perf_counter()
    round_id = prepare(args.entries, args.slots, args.seed)
    print(
        f"set up {args.entries} entries over {args.slots} slots in {time.perf_counter() - started:.1f} s"
    )
    # A fresh process, so that its peak memory is the draw's (plus Django's), not the setup's.
    out = subprocess.run(
        [sys.executable, __file__, "--draw-only", str(round_id)],
        check=True,
        capture_output=True,
        text=True,
    )
    print(out.stdout.strip())


if __name__ == "__main__":
    main()
