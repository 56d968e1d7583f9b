"""Flash-crowd benchmark of the booking endpoint, against the production server on PostgreSQL.

    python bench/flash_crowd.py            # or: make bench

1. (Re)creates the bench database (default luohu_bench, flushed every run), migrates it and
   loads a venue set: 100 popular slots (50 exclusive court slots, 50 capacity-20 gym slots:
   1,050 places), 2,000 residents with API tokens, and a venue of 20 resources x 7 days x 16
   slots for the availability scenario.
2. Starts gunicorn exactly as `make serve` does (config/gunicorn.py, DEBUG=0, Redis db 7).
3. From a separate process (bench/loadgen.py) on 127.0.0.1, with the same number of keep-alive
   connections (128) in every phase:
   - warm-up;
   - the trivial endpoint GET /api/v1/health/ for a fixed time;
   - the flash crowd: 2,000 residents, each trying up to 5 of the popular slots (most wanted
     first) until one booking succeeds;
   - the trivial endpoint again: the crowd is compared with the mean of the two;
   - the availability endpoint of the 20-resource venue for 7 days, for a fixed time.
4. Verifies in the database that nothing was oversold and that every 201 is one booking row,
   stops the server, prints a table and saves JSON to bench/results/.

Every phase is bounded in requests and time; only 127.0.0.1 is contacted.
Exit status: 0 when the correctness checks pass (oversold = 0, 5xx = 0, 201s = rows), else 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

POPULAR_COURTS = 10  # exclusive resources; 5 evening hours each -> 50 slots of 1 place
POPULAR_COURT_HOURS = range(17, 22)
POPULAR_GYMS = 5  # shared resources of capacity 20; 10 hours each -> 50 slots of 20 places
POPULAR_GYM_HOURS = range(12, 22)
GYM_CAPACITY = 20
AVAIL_RESOURCES = 20
AVAIL_DAYS = 7
AVAIL_HOURS = range(6, 22)  # 16 one-hour slots a day
WARMUP_RESIDENTS = 256


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--connections", type=int, default=128)
    p.add_argument("--residents", type=int, default=2000)
    p.add_argument("--attempts", type=int, default=5, help="slots each resident tries at most")
    p.add_argument("--trivial-seconds", type=float, default=10.0)
    p.add_argument("--availability-seconds", type=float, default=10.0)
    p.add_argument("--crowd-time-limit", type=float, default=120.0)
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="trivial + crowd + trivial + availability rounds (slots reset between them); the median "
        "round by booking/trivial ratio is the headline",
    )
    p.add_argument("--seed", type=int, default=20261124)
    p.add_argument(
        "--gunicorn",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a config/gunicorn.py setting, e.g. GUNICORN_WORKERS=4 (repeatable)",
    )
    p.add_argument("--fresh-db", action="store_true", help="drop and recreate the bench database")
    p.add_argument("--skip-availability", action="store_true")
    p.add_argument("--json", type=Path, help="where to save the JSON report")
    p.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record the workers with py-spy during the flash crowd (collapsed stacks in DIR)",
    )
    p.add_argument("--no-save", action="store_true", help="do not save JSON to bench/results/")
    return p.parse_args(argv)


# --- data --------------------------------------------------------------------------------


def load_data(*, residents: int, attempts: int, seed: int) -> dict[str, Any]:
    """Flush the bench database and load the venue set, residents and their slot wishes."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from booking.models import Booking, Slot
    from venues.models import BookingPolicy, OpeningRule, Resource, Venue

    assert connection.settings_dict["NAME"].startswith("luohu_bench"), "not the bench database"
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    User = get_user_model()

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    def venue(slug: str, kind: str, name: str) -> Venue:
        v = Venue.objects.create(slug=slug, kind=kind, name_zh=name, name_en=slug)
        # Limits that never interfere: the bench measures the rush, not the quota rules.
        BookingPolicy.objects.create(
            venue=v,
            window_days=7,
            release_time=dt.time(0, 0),
            max_bookings_per_day=100,
            max_bookings_per_week=500,
            max_hours_per_day=Decimal("24.0"),
        )
        return v

    def rules_for(resource: Resource, hours: range, price: str, capacity: int) -> list[OpeningRule]:
        return [
            OpeningRule(
                resource=resource,
                weekday=weekday,
                opens_at=dt.time(hours.start),
                closes_at=dt.time(hours.stop) if hours.stop < 24 else dt.time(23, 59),
                slot_minutes=60,
                price=Decimal(price),
                capacity=capacity,
            )
            for weekday in range(7)
        ]

    with transaction.atomic():
        # Residents with API tokens (bulk: no password hashing; "!" is an unusable password).
        people = User.objects.bulk_create(
            User(username=f"bench-resident-{i:05d}", password="!", email="")
            for i in range(residents + WARMUP_RESIDENTS + 60)
        )
        tokens = Token.objects.bulk_create(Token(key=secrets.token_hex(20), user=u) for u in people)
        crowd_tokens = [t.key for t in tokens[:residents]]
        warm_tokens = [t.key for t in tokens[residents : residents + WARMUP_RESIDENTS]]
        avail_people = people[residents + WARMUP_RESIDENTS :]

        # The rush: popular evening courts and gym slots tomorrow.
        courts_venue = venue("bench-courts", Venue.Kind.COURT_VENUE, "基准球场")
        gym_venue = venue("bench-gym", Venue.Kind.SMART_GYM, "基准智能健身房")
        slots: list[Slot] = []
        rules: list[OpeningRule] = []
        for i in range(POPULAR_COURTS):
            r = Resource.objects.create(
                venue=courts_venue, name_zh=f"{i + 1}号场", exclusive=True, capacity=4
            )
            rules += rules_for(r, POPULAR_COURT_HOURS, "0.00", 4)
            slots += [
                Slot(resource=r, venue=courts_venue, starts_at=at(tomorrow, h),
                     ends_at=at(tomorrow, h + 1), capacity=4, places=1, remaining=1)
                for h in POPULAR_COURT_HOURS
            ]  # fmt: skip
        for i in range(POPULAR_GYMS):
            r = Resource.objects.create(
                venue=gym_venue, name_zh=f"区域{i + 1}", exclusive=False, capacity=GYM_CAPACITY
            )
            rules += rules_for(r, POPULAR_GYM_HOURS, "0.00", GYM_CAPACITY)
            slots += [
                Slot(resource=r, venue=gym_venue, starts_at=at(tomorrow, h),
                     ends_at=at(tomorrow, h + 1), capacity=GYM_CAPACITY,
                     places=GYM_CAPACITY, remaining=GYM_CAPACITY)
                for h in POPULAR_GYM_HOURS
            ]  # fmt: skip
        popular = Slot.objects.bulk_create(slots)

        # Warm-up: one big shared slot elsewhere, so warm-up bookings never touch the rush.
        warm_venue = venue("bench-warmup", Venue.Kind.SPORTS_CENTRE, "预热场馆")
        warm_res = Resource.objects.create(
            venue=warm_venue, name_zh="预热区", exclusive=False, capacity=1000
        )
        warm_slot = Slot.objects.create(
            resource=warm_res, venue=warm_venue, starts_at=at(tomorrow, 8),
            ends_at=at(tomorrow, 9), capacity=1000, places=1000, remaining=1000,
        )  # fmt: skip

        # Availability: 20 resources x 7 days x 16 one-hour slots, some of them booked.
        avail_venue = venue("bench-availability", Venue.Kind.SPORTS_CENTRE, "基准体育中心")
        avail_slots: list[Slot] = []
        for i in range(AVAIL_RESOURCES):
            exclusive = i < 12
            capacity = 4 if exclusive else GYM_CAPACITY
            r = Resource.objects.create(
                venue=avail_venue, name_zh=f"资源{i + 1}", exclusive=exclusive,
                capacity=capacity, sort_order=i,
            )  # fmt: skip
            rules += rules_for(r, AVAIL_HOURS, "30.00" if exclusive else "0.00", capacity)
            for d in range(AVAIL_DAYS):
                day = today + dt.timedelta(days=d)
                for h in AVAIL_HOURS:
                    places = 1 if exclusive else capacity
                    avail_slots.append(
                        Slot(resource=r, venue=avail_venue, starts_at=at(day, h),
                             ends_at=at(day, h + 1), capacity=capacity, places=places,
                             remaining=places, price=Decimal("30.00" if exclusive else "0.00"),
                             public_benefit=h < 9)
                    )  # fmt: skip
        OpeningRule.objects.bulk_create(rules)
        avail_slots = Slot.objects.bulk_create(avail_slots)
        bookings: list[Booking] = []
        now = timezone.now()
        for s in avail_slots:
            if rng.random() >= 0.3:
                continue
            taken = 1 if s.places == 1 else rng.randint(1, s.places)
            for person in rng.sample(avail_people, taken):
                bookings.append(
                    Booking(slot=s, resource_id=s.resource_id, venue_id=s.venue_id,
                            resident=person, starts_at=s.starts_at, ends_at=s.ends_at,
                            exclusive=s.places == 1, party_size=1, places=1, price=s.price,
                            status=Booking.Status.CONFIRMED, confirmed_at=now)
                )  # fmt: skip
            s.remaining = s.places - taken
        Booking.objects.bulk_create(bookings, batch_size=2000)
        Slot.objects.bulk_update(avail_slots, ["remaining"], batch_size=2000)

    # Each resident wants up to `attempts` distinct popular slots, the courts most of all.
    weights = [4.0 if s.places == 1 else 1.0 for s in popular]
    ids = [s.pk for s in popular]
    wishes = []
    for token in crowd_tokens:
        chosen: list[int] = []
        while len(chosen) < min(attempts, len(ids)):
            pick = rng.choices(ids, weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        wishes.append({"token": token, "slots": chosen})
    rng.shuffle(wishes)
    # Current statistics, as autovacuum keeps them in production: without them the server's
    # prepared statements could keep plans made for the empty tables of the flush.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return {
        "popular": {s.pk: s.places for s in popular},
        "places": sum(s.places for s in popular),
        "wishes": wishes,
        "warm_tokens": warm_tokens,
        "warm_slot": warm_slot.pk,
        "avail_venue": avail_venue.pk,
        "avail_date": today.isoformat(),
        "avail_slots": len(avail_slots),
        "avail_bookings": len(bookings),
    }


def verify(data: dict[str, Any], crowd: dict[str, Any]) -> dict[str, Any]:
    """Check the rush in the database: nothing oversold, each 201 is exactly one booking row."""
    from django.db import connection
    from django.db.models import Count, Sum

    from booking.models import Booking, Slot

    popular: dict[int, int] = data["popular"]
    rows = Booking.objects.filter(slot_id__in=popular)
    active = rows.filter(status__in=Booking.ACTIVE_STATUSES)
    booked = {
        r["slot_id"]: (r["places"], r["n"])
        for r in active.values("slot_id").annotate(places=Sum("places"), n=Count("id"))
    }
    slots = {s.pk: s for s in Slot.objects.filter(pk__in=popular)}
    oversold = 0
    negative = 0
    drift = 0
    over_201 = 0
    successes = {int(k): v for k, v in crowd["successes_by_slot"].items()}
    for slot_id, places in popular.items():
        taken, _ = booked.get(slot_id, (0, 0))
        oversold += max(0, taken - places)
        negative += int(slots[slot_id].remaining < 0)
        drift += int(slots[slot_id].remaining != places - taken)
        over_201 += int(successes.get(slot_id, 0) > places)
    duplicates = (
        active.values("slot_id", "resident_id").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    created = crowd["statuses"].get("201", 0)
    total_rows = rows.count()
    result = {
        "booking_rows": total_rows,
        "places_sold": sum(p for p, _ in booked.values()),
        "oversold": oversold,
        "negative_remaining": negative,
        "remaining_mismatch": drift,
        "slots_with_more_201s_than_places": over_201,
        "duplicate_resident_bookings": duplicates,
        "created_201": created,
        "rows_equal_201s": total_rows == created,
    }
    connection.close()
    return result


def reset_crowd(data: dict[str, Any]) -> None:
    """Give the popular slots back their places for another round (same residents, wishes)."""
    from django.db import connection, transaction
    from django.db.models import F

    from booking.models import Booking, Slot

    with transaction.atomic():
        Booking.objects.filter(slot_id__in=data["popular"]).delete()
        Slot.objects.filter(pk__in=data["popular"]).update(remaining=F("places"))
    connection.close()


# --- phases ------------------------------------------------------------------------------


def run_round(
    server: common.Server,
    base: dict[str, Any],
    args: argparse.Namespace,
    data: dict[str, Any],
    avail_path: str,
    has_bookings: bool,
    has_availability: bool,
) -> dict[str, Any]:
    """One round: the trivial endpoint, the flash crowd, the trivial endpoint again, then
    availability.

    The crowd is compared with the mean of the trivial phases just before and just after it:
    this machine's speed drifts by 10-30% within a minute (other tenants of the host), and a
    drift during the round then moves both sides of the bracket instead of one.
    """
    out: dict[str, Any] = {}
    out["trivial"] = _trivial_phase(server, base, args, "trivial GET /api/v1/health/")
    if has_bookings:
        spy = common.start_profiler(server, args.profile) if args.profile else None
        out["crowd"] = common.measure(
            server,
            {**base, "scenario": "crowd", "residents": data["wishes"],
             "time_limit": args.crowd_time_limit},
            timeout=args.crowd_time_limit + 60,
        )  # fmt: skip
        if spy is not None:
            common.stop_profiler(spy)
        _print_phase("flash crowd POST /api/v1/bookings/", out["crowd"])
        out["verify"] = verify(data, out["crowd"])
        out["trivial_after"] = _trivial_phase(server, base, args, "trivial, after the crowd")
        around = (out["trivial"], out["trivial_after"])
        out["booking_ratio"] = round(out["crowd"]["rps"] / _mean(p["rps"] for p in around), 3)
        out["booking_ratio_before"] = round(out["crowd"]["rps"] / out["trivial"]["rps"], 3)
        out["booking_cpu_ratio"] = _cpu_ratio(around, out["crowd"])
    if has_availability:
        # Next to the trivial phase that ran just before it.
        reference = out.get("trivial_after", out["trivial"])
        out["availability"] = common.measure(
            server,
            {**base, "scenario": "fixed", "path": avail_path,
             "duration": args.availability_seconds},
            timeout=args.availability_seconds + 60,
        )  # fmt: skip
        _print_phase(f"availability {AVAIL_RESOURCES}x{AVAIL_DAYS}x16", out["availability"])
        out["availability_ratio"] = round(out["availability"]["rps"] / reference["rps"], 3)
        out["availability_cpu_ratio"] = _cpu_ratio((reference,), out["availability"])
    return out


def _trivial_phase(
    server: common.Server, base: dict[str, Any], args: argparse.Namespace, name: str
) -> dict[str, Any]:
    phase = common.measure(
        server,
        {**base, "scenario": "fixed", "path": "/api/v1/health/", "duration": args.trivial_seconds},
        timeout=args.trivial_seconds + 60,
    )
    _print_phase(name, phase)
    return phase


def _mean(values: Any) -> float:
    values = list(values)
    return sum(values) / len(values)


def probe(url: str, *, method: str = "GET", token: str = "", body: bytes | None = None) -> int:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    port = common.free_port()
    overrides = dict(item.split("=", 1) for item in args.gunicorn)
    t0 = time.monotonic()
    common.ensure_database(fresh=args.fresh_db)
    common.migrate(port)
    common.setup_django(port)
    common.flush_redis()
    data = load_data(residents=args.residents, attempts=args.attempts, seed=args.seed)
    print(
        f"data: {len(data['popular'])} popular slots ({data['places']} places), "
        f"{args.residents} residents, availability venue {data['avail_slots']} slots "
        f"({data['avail_bookings']} bookings); {time.monotonic() - t0:.1f} s",
        flush=True,
    )

    log_dir = common.RESULTS_DIR
    log_dir.mkdir(parents=True, exist_ok=True)
    server = common.start_server(port, overrides, log_dir / "gunicorn.log")
    n = args.connections
    base = {"host": "127.0.0.1", "port": port, "connections": n}
    avail_path = (
        f"/api/v1/venues/{data['avail_venue']}/availability/"
        f"?date={data['avail_date']}&days={AVAIL_DAYS}"
    )
    report: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "connections": n,
        "residents": args.residents,
        "popular_slots": len(data["popular"]),
        "places": data["places"],
        "gunicorn": {**_gunicorn_settings(overrides)},
    }
    try:
        bookings_status = probe(
            server.url("/api/v1/bookings/"),
            method="POST",
            token=data["warm_tokens"][0],
            body=json.dumps({"slot": data["warm_slot"], "party_size": 1}).encode(),
        )
        has_bookings = bookings_status in (200, 201)
        avail_status = probe(server.url(avail_path))
        has_availability = avail_status == 200 and not args.skip_availability
        if not has_bookings:
            print(f"! POST /api/v1/bookings/ answered {bookings_status}: crowd skipped")
        if not has_availability:
            print(f"! availability answered {avail_status}: availability skipped")

        # Warm-up: every worker thread imports its code paths and opens its DB connection.
        common.run_loadgen(
            {**base, "scenario": "fixed", "path": "/api/v1/health/", "duration": 2}, timeout=60
        )
        if has_bookings:
            common.run_loadgen(
                {
                    **base,
                    "scenario": "crowd",
                    "residents": [
                        {"token": t, "slots": [data["warm_slot"]]} for t in data["warm_tokens"][1:]
                    ],
                    "time_limit": 30,
                },
                timeout=90,
            )
        if has_availability:
            common.run_loadgen(
                {**base, "scenario": "fixed", "path": avail_path, "duration": 2}, timeout=60
            )

        report["rounds"] = []
        for index in range(args.rounds):
            if index:
                reset_crowd(data)
            report["rounds"].append(
                run_round(server, base, args, data, avail_path, has_bookings, has_availability)
            )
    finally:
        server.stop()

    ok = _summarise(report)
    if not args.no_save or args.json:
        path = args.json or log_dir / f"flash_crowd-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(report, indent=2))
        print(f"saved {path}")
    return 0 if ok else 1


def _gunicorn_settings(overrides: dict[str, str]) -> dict[str, Any]:
    import os

    saved = dict(os.environ)
    os.environ.update(overrides)
    try:
        ns: dict[str, Any] = {}
        exec((common.ROOT / "config" / "gunicorn.py").read_text(), ns)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    keys = ("worker_class", "workers", "threads", "keepalive", "backlog", "worker_connections",
            "reuse_port", "preload_app")  # fmt: skip
    return {k: ns[k] for k in keys}


def _print_phase(name: str, r: dict[str, Any]) -> None:
    lat = r["latency_ms"]
    print(
        f"{name}: {r['rps']:.0f} req/s over {r['elapsed_s']:.1f} s, p50 {lat['p50']:.1f} "
        f"p95 {lat['p95']:.1f} p99 {lat['p99']:.1f} ms, statuses {r['statuses']}"
        + (f", errors {r['errors']}" if r["errors"] else ""),
        flush=True,
    )


def _cpu_ratio(trivials: tuple[dict[str, Any], ...], other: dict[str, Any]) -> float:
    """Throughput ratio the phases would have on an otherwise idle machine, from what one
    request of each costs it in CPU (all are CPU-bound on the same cores)."""
    cost = other["cpu"]["machine_ms_per_request"]
    trivial = _mean(t["cpu"]["machine_ms_per_request"] for t in trivials)
    return round(trivial / cost, 3) if cost else 0.0


def _fivexx(r: dict[str, Any]) -> int:
    return sum(n for k, n in r["statuses"].items() if k.startswith("5"))


def _median_round(rounds: list[dict[str, Any]], key: str) -> dict[str, Any]:
    ranked = sorted((r for r in rounds if key in r), key=lambda r: r[key])
    return ranked[(len(ranked) - 1) // 2] if ranked else rounds[0]


def _quietest_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round in which other jobs on the machine took the least CPU."""

    def other(rnd: dict[str, Any]) -> float:
        phases = [rnd[k] for k in ("trivial", "crowd", "trivial_after", "availability") if k in rnd]
        return max(p["cpu"]["other_cores"] for p in phases)

    return min(rounds, key=other)


def _summarise(report: dict[str, Any]) -> bool:
    rounds: list[dict[str, Any]] = report["rounds"]
    g = report["gunicorn"]
    print(
        f"\ngunicorn {g['worker_class']} workers={g['workers']} threads={g['threads']} "
        f"keepalive={g['keepalive']}s; {report['connections']} connections; "
        f"{len(rounds)} round(s)"
    )
    header = ("round", "scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "5xx",
              "cores gunicorn/pg/loadgen/other", "cpu ms/req gunicorn/pg")  # fmt: skip
    rows = [header]
    for i, rnd in enumerate(rounds, 1):
        for name, key in (("trivial (health)", "trivial"), ("booking flash crowd", "crowd"),
                          ("trivial, after", "trivial_after"),
                          ("availability 7 days", "availability")):  # fmt: skip
            if key not in rnd:
                continue
            r, c = rnd[key], rnd[key]["cpu"]
            lat = r["latency_ms"]
            rows.append(
                (str(i), name, f"{r['rps']:.0f}", f"{lat['p50']:.1f}", f"{lat['p95']:.1f}",
                 f"{lat['p99']:.1f}", str(r["requests"]), str(_fivexx(r)),
                 f"{c['gunicorn_cores']}/{c['postgres_bench_cores']}/{c['loadgen_cores']}"
                 f"/{c['other_cores']}",
                 f"{c['gunicorn_ms_per_request']:.2f}/{c['postgres_ms_per_request']:.2f}")
            )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(v.ljust(w) if i < 2 else v.rjust(w)
                        for i, (v, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip

    checks: list[tuple[str, bool]] = []
    headline: dict[str, Any] = {}
    if any("crowd" in r for r in rounds):
        for i, rnd in enumerate(rounds, 1):
            v, crowd = rnd["verify"], rnd["crowd"]
            print(
                f"round {i}: {crowd['requests']} attempts by {crowd['residents_served']} residents, "
                f"{v['created_201']} created for {report['places']} places, refusals "
                f"{crowd['codes']}; db: rows={v['booking_rows']} oversold={v['oversold']} "
                f"negative={v['negative_remaining']} mismatched={v['remaining_mismatch']} "
                f"duplicates={v['duplicate_resident_bookings']}"
            )
        checks += [
            ("oversold == 0 (every round)", all(
                r["verify"]["oversold"] == 0 and r["verify"]["negative_remaining"] == 0
                and r["verify"]["remaining_mismatch"] == 0
                and r["verify"]["slots_with_more_201s_than_places"] == 0 for r in rounds)),
            ("booking 5xx == 0 and no transport errors",
             all(_fivexx(r["crowd"]) == 0 and not r["crowd"]["errors"] for r in rounds)),
            ("201s == booking rows", all(r["verify"]["rows_equal_201s"] for r in rounds)),
            ("no duplicate bookings",
             all(r["verify"]["duplicate_resident_bookings"] == 0 for r in rounds)),
        ]  # fmt: skip
        med = _median_round(rounds, "booking_ratio")
        crowd, before, after = med["crowd"], med["trivial"], med["trivial_after"]
        trivial_rps = _mean(p["rps"] for p in (before, after))
        trivial_cpu = _mean(p["cpu"]["machine_ms_per_request"] for p in (before, after))
        ratios = [r["booking_ratio"] for r in rounds]
        headline.update(
            trivial_rps=round(trivial_rps, 1),
            trivial_rps_before_after=[before["rps"], after["rps"]],
            trivial_p99_ms=before["latency_ms"]["p99"],
            booking_attempts_per_s=crowd["rps"],
            booking_p50_ms=crowd["latency_ms"]["p50"],
            booking_p95_ms=crowd["latency_ms"]["p95"],
            booking_p99_ms=crowd["latency_ms"]["p99"],
            booking_ratio=med["booking_ratio"],
            booking_ratios=ratios,
            booking_cpu_ratio=med["booking_cpu_ratio"],
            booking_cpu_ms=med["crowd"]["cpu"]["machine_ms_per_request"],
            trivial_cpu_ms=round(trivial_cpu, 3),
            successes=med["verify"]["created_201"],
            oversold=max(r["verify"]["oversold"] for r in rounds),
            booking_5xx=max(_fivexx(r["crowd"]) for r in rounds),
        )
        print(
            f"\nmedian round: booking {crowd['rps']:.0f} attempts/s vs trivial "
            f"{trivial_rps:.0f} req/s ({before['rps']:.0f} before the crowd, {after['rps']:.0f} "
            f"after) = {med['booking_ratio']:.2f} (target >= 0.33); "
            f"p99 {crowd['latency_ms']['p99']:.0f} ms (target < 300)"
        )
        print(
            f"  every round: {', '.join(f'{r:.3f}' for r in ratios)}; "
            f"{sum(r >= 1 / 3 for r in ratios)} of {len(ratios)} at or above 1/3"
        )
        print(
            f"  CPU per request: trivial {trivial_cpu:.2f} ms, "
            f"booking attempt {crowd['cpu']['machine_ms_per_request']:.2f} ms "
            f"(server+database+client) -> ratio on an idle machine "
            f"{med['booking_cpu_ratio']:.2f}"
        )
        quiet = _quietest_round(rounds)
        if quiet is not med:
            print(
                f"  quietest round (least CPU used by other jobs): booking "
                f"{quiet['crowd']['rps']:.0f} attempts/s = {quiet['booking_ratio']:.2f} of "
                f"trivial; p99 {quiet['crowd']['latency_ms']['p99']:.0f} ms"
            )
        headline["quietest_round"] = rounds.index(quiet) + 1
    if any("availability" in r for r in rounds):
        checks.append(
            ("availability 5xx == 0", all(_fivexx(r["availability"]) == 0 for r in rounds))
        )
        med = _median_round(rounds, "availability_ratio")
        avail = med["availability"]
        headline.update(
            availability_rps=avail["rps"],
            availability_p99_ms=avail["latency_ms"]["p99"],
            availability_ratio=med["availability_ratio"],
            availability_cpu_ratio=med["availability_cpu_ratio"],
        )
        print(
            f"median round: availability {avail['rps']:.0f} req/s = "
            f"{med['availability_ratio']:.2f} of trivial (target >= 0.25); "
            f"p99 {avail['latency_ms']['p99']:.0f} ms; ratio on an idle machine "
            f"{med['availability_cpu_ratio']:.2f}"
        )
    ok = True
    for name, passed in checks:
        print(f"  [{'ok' if passed else 'FAIL'}] {name}")
        ok = ok and passed
    report["headline"] = headline
    report["checks"] = dict(checks)
    return ok


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
