"""Benchmark of the iCal feeds against the production server on PostgreSQL.

    .venv/bin/python bench/feeds.py                 # 1,000 and 10,000 events
    .venv/bin/python bench/feeds.py --sizes 10000 --repeat 100

1. (Re)creates the bench database (default luohu_bench_feeds, dropped and recreated on every
   run), migrates it and loads published events: Chinese and English titles and descriptions,
   20 venues, 10% weekly series with an exception date, 2% cancelled; spread over the feed's
   window (from 30 days back to a year ahead), so every event is in the feed.
2. For each size, starts gunicorn as `make serve` does (config/gunicorn.py when present) with a
   single worker, DEBUG=0 and its own Redis db, so that "cold" is a fresh worker's first feed
   and the worker's peak memory is one number.
3. Sequentially over one keep-alive connection on 127.0.0.1, times:
   - GET /api/v1/health/ (the trivial endpoint, no database);
   - GET /calendar/events.ics cold (fresh worker: nothing rendered yet);
   - the same with If-None-Match (304: one aggregate query, no rendering);
   - the same without a conditional header (warm: the body is kept by ETag);
   - the same after one event changed (a new ETag: 9,999 VEVENTs come from the cache);
   - GET /api/v1/events/ (the events list API, first page).
4. Checks the feed: every event once (BEGIN:VEVENT count), parsed by icalendar for the smaller
   size; reads the worker's peak RSS (VmHWM in /proc/<pid>/status); prints a table with the
   ratios to the trivial endpoint and saves JSON to bench/results/.

Only 127.0.0.1 is contacted. Exit status 0 when every response was as expected, else 1.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import (  # noqa: E402
    free_port,
    migrate_with,
    setup_django_with,
    stop_process,
)

VENV_BIN = Path(sys.executable).parent
RESULTS_DIR = ROOT / "bench" / "results"
DB_URL = os.environ.get(
    "BENCH_FEEDS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/luohu_bench_feeds"
)
REDIS_URL = os.environ.get("BENCH_FEEDS_REDIS_URL", "redis://127.0.0.1:6379/4")
FEED = "/calendar/events.ics"

DESCRIPTION_ZH = (
    "欢迎罗湖区市民参加本次活动。现场提供饮用水、急救和存包服务，请提前十五分钟到场签到，"
    "携带身份证件，穿着合适的运动服装；活动期间请听从工作人员指挥，注意安全。"
)
DESCRIPTION_EN = (
    "Residents of Luohu are welcome. Water, first aid and a cloakroom are provided; please "
    "arrive fifteen minutes early with your ID and suitable sports clothing."
)
TITLES = [
    ("梧桐山登高赛", "Wutong Mountain climbing race"),
    ("深圳国际标准舞全国公开赛", "Shenzhen International Standard Dance Open"),
    ("中国网球巡回赛罗湖站", "China Tennis Tour, Luohu"),
    ("围棋公开赛", "Go open"),
    ("象棋擂台赛", "Xiangqi challenge"),
    ("电子竞技城市赛", "Esports city cup"),
    ("全民健身日徒步", "National Fitness Day walk"),
    ("粤剧周专场演出", "Cantonese opera week"),
]
CATEGORIES = [
    "race",
    "dance",
    "tennis",
    "mind_sports",
    "mind_sports",
    "esports",
    "fitness",
    "culture",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--repeat", type=int, default=50, help="requests per timed repeat series")
    p.add_argument("--keep-db", action="store_true", help="leave the bench database in place")
    return p.parse_args(argv)


# --- environment and server ---------------------------------------------------------------------


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            # DEBUG=0 needs production-strength keys and plain HTTP switched on (config/checks.py).
            "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
            "CHECKIN_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
            "SECURE_TRANSPORT": "0",
            "DATABASE_URL": DB_URL,
            "REDIS_URL": REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "https://sports.luohu.example",
            "LOG_LEVEL": "WARNING",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            # One worker: "cold" is its first feed, and its peak RSS is the figure.
            "GUNICORN_WORKERS": "1",
            "GUNICORN_LOGLEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def recreate_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1].split("?")[0]
    if not name.startswith("luohu_bench"):
        raise SystemExit(
            f"refusing to manage database {name!r}: bench databases start with luohu_bench"
        )
    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1].split("?")[0]
    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(port: int) -> None:
    migrate_with(server_env(port))
    setup_django_with(server_env(port))


class Server:
    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        if (ROOT / "config" / "gunicorn.py").exists():
            args = [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"]
        else:
            args = [str(VENV_BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}"]
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=server_env(port), stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}; see {log_path}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit(f"gunicorn did not listen within 60 s; see {log_path}")

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        if len(children) != 1:
            raise SystemExit(f"expected one gunicorn worker, found {children}")
        return int(children[0])

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak resident set) of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


# --- data ---------------------------------------------------------------------------------------


def load_events(total: int) -> None:
    """Top the database up to `total` published events (deterministic content)."""
    from django.utils import timezone

    from events.models import Event, Organisation
    from events.recurrence import exdates_as_datetimes, last_occurrence_start
    from venues.models import Venue

    organisation, _ = Organisation.objects.get_or_create(
        slug="bench-org",
        defaults={
            "name_zh": "罗湖区文体局",
            "name_en": "Luohu Culture & Sports",
            "is_approved": True,
        },
    )
    venues = list(Venue.objects.filter(slug__startswith="bench-venue-"))
    if not venues:
        venues = Venue.objects.bulk_create(
            Venue(
                slug=f"bench-venue-{n}",
                name_zh=f"罗湖体育中心{n}号馆",
                name_en=f"Luohu Sports Centre hall {n}",
                kind="sports_centre",
                address_zh=f"罗湖区东门中路{n}号",
                latitude=Decimal("22.548000") + Decimal(n) / 1000,
                longitude=Decimal("114.131000") + Decimal(n) / 1000,
            )
            for n in range(20)
        )
    have = Event.objects.count()
    rng = random.Random(have)
    now = timezone.now().replace(second=0, microsecond=0)
    batch = []
    for n in range(have, total):
        title_zh, title_en = TITLES[n % len(TITLES)]
        starts = now - dt.timedelta(days=25) + dt.timedelta(minutes=rng.randrange(0, 350 * 24 * 60))
        starts = starts.replace(minute=(starts.minute // 30) * 30)
        ends = starts + dt.timedelta(hours=rng.choice([1, 2, 3]))
        at_venue = n % 3 != 0
        rrule, exdates = "", []
        if n % 10 == 0:
            rrule = "FREQ=WEEKLY;COUNT=10"
            exdates = [(starts + dt.timedelta(weeks=3)).isoformat()]
        cancelled = n % 50 == 7
        event = Event(
            organisation=organisation,
            title_zh=f"{title_zh} 第{n}场",
            title_en=f"{title_en} #{n}",
            description_zh=DESCRIPTION_ZH,
            description_en=DESCRIPTION_EN,
            category=CATEGORIES[n % len(CATEGORIES)],
            venue=venues[n % len(venues)] if at_venue else None,
            location_zh="" if at_venue else "梧桐山风景区",
            location_en="" if at_venue else "Wutong Mountain",
            latitude=None if at_venue else Decimal("22.583000"),
            longitude=None if at_venue else Decimal("114.200000"),
            starts_at=starts,
            ends_at=ends,
            rrule=rrule,
            exdates=exdates,
            status="cancelled" if cancelled else "published",
            status_reason="天气原因 Weather" if cancelled else "",
            published_at=now,
            cancelled_at=now if cancelled else None,
            sequence=1 if cancelled else 0,
            is_demo=True,
        )
        last = last_occurrence_start(
            starts_at=starts, rrule_text=rrule, exdates=exdates_as_datetimes(exdates)
        )
        event.last_starts_at = last
        event.last_ends_at = last + (ends - starts) if last else None
        batch.append(event)
        if len(batch) == 1000:
            Event.objects.bulk_create(batch)
            batch = []
    if batch:
        Event.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        # As autovacuum would soon after a real import: plans need row counts.
        cursor.execute("VACUUM ANALYZE events_event")


def touch_one_event() -> None:
    from events.models import Event

    event = Event.objects.filter(status="published", rrule="").order_by("id").first()
    assert event is not None
    event.title_zh = event.title_zh + "（更新）"
    event.sequence += 1
    event.save(update_fields=["title_zh", "sequence", "updated_at"])


# --- measuring ----------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection to the server; times each request."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.errors: list[str] = []

    def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[float, int, bytes, Any]:
        start = time.perf_counter()
        self.conn.request("GET", path, headers=headers or {})
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        return elapsed, response.status, body, response.headers

    def series(
        self, path: str, count: int, expect: int, headers: dict[str, str] | None = None
    ) -> list[float]:
        times = []
        for _ in range(count):
            elapsed, status, _, _ = self.get(path, headers)
            if status != expect:
                self.errors.append(f"{path}: {status} instead of {expect}")
            times.append(elapsed)
        return times

    def close(self) -> None:
        self.conn.close()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": ms(statistics.median(ordered)), "p95_ms": ms(p95), "n": len(ordered)}


def run_size(size: int, repeat: int, port: int, log_dir: Path) -> dict[str, Any]:
    from events.models import Event

    load_events(size)
    server = Server(port, log_dir / f"gunicorn-feeds-{size}.log")
    client = Client(port)
    result: dict[str, Any] = {"events": size}
    try:
        worker = server.worker_pid()
        client.series("/api/v1/health/", 20, 200)  # warm the connection and the worker
        result["health"] = summary(client.series("/api/v1/health/", repeat * 4, 200))
        result["rss_before_feed_mb"] = round(memory_kb(worker)["VmRSS"] / 1024, 1)

        cpu = cpu_seconds(worker)
        elapsed, status, body, headers = client.get(FEED)
        # CPU time of the worker: what the request costs, whatever else the machine is doing.
        result["feed_cold_worker_cpu_ms"] = ms(cpu_seconds(worker) - cpu)
        if status != 200:
            client.errors.append(f"cold feed: {status}")
        result["feed_cold_ms"] = ms(elapsed)
        result["feed_bytes"] = len(body)
        vevents = body.count(b"BEGIN:VEVENT\r\n")
        result["feed_vevents"] = vevents
        if vevents != Event.objects.count():
            client.errors.append(f"feed has {vevents} VEVENTs for {Event.objects.count()} events")
        if size <= 1000:
            import icalendar

            parsed = icalendar.Calendar.from_ical(body)
            if len(parsed.walk("VEVENT")) != vevents:
                client.errors.append("icalendar read a different number of events")
        cpu = cpu_seconds(worker)
        _, status, gzipped, gz_headers = client.get(FEED, {"Accept-Encoding": "gzip"})
        # The plain body is cached by then: this is the cost of compressing it (api/compression.py).
        result["feed_gzip_worker_cpu_ms"] = ms(cpu_seconds(worker) - cpu)
        result["feed_gzip_bytes"] = len(gzipped)
        if status != 200 or gz_headers["Content-Encoding"] != "gzip":
            client.errors.append("the feed was not gzipped for a client that accepts it")
        etag = headers["ETag"]
        result["feed_304"] = summary(client.series(FEED, repeat, 304, {"If-None-Match": etag}))
        result["feed_warm_200"] = summary(client.series(FEED, max(5, repeat // 5), 200))

        touch_one_event()
        cpu = cpu_seconds(worker)
        elapsed, status, _, headers2 = client.get(FEED, {"If-None-Match": etag})
        result["feed_after_one_change_worker_cpu_ms"] = ms(cpu_seconds(worker) - cpu)
        if status != 200 or headers2["ETag"] == etag:
            client.errors.append("a changed event did not change the feed")
        result["feed_after_one_change_ms"] = ms(elapsed)

        result["events_api"] = summary(client.series("/api/v1/events/", repeat, 200))
        result["events_api_page_100"] = summary(
            client.series("/api/v1/events/?page_size=100", max(5, repeat // 5), 200)
        )
        memory = memory_kb(worker)
        result["worker_peak_rss_mb"] = round(memory["VmHWM"] / 1024, 1)
        result["worker_rss_end_mb"] = round(memory["VmRSS"] / 1024, 1)
        health = result["health"]["median_ms"]
        result["ratios_to_health"] = {
            "feed_cold": round(result["feed_cold_ms"] / health, 1),
            "feed_304": round(result["feed_304"]["median_ms"] / health, 2),
            "feed_warm_200": round(result["feed_warm_200"]["median_ms"] / health, 1),
            "feed_after_one_change": round(result["feed_after_one_change_ms"] / health, 1),
            "events_api": round(result["events_api"]["median_ms"] / health, 1),
        }
    finally:
        client.close()
        server.stop()
    result["errors"] = client.errors
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    rows = [
        ("GET /api/v1/health/ (median)", lambda r: f"{r['health']['median_ms']} ms"),
        ("feed cold, fresh worker", lambda r: f"{r['feed_cold_ms']} ms"),
        ("  worker CPU for it", lambda r: f"{r['feed_cold_worker_cpu_ms']} ms"),
        (
            "feed 304 (median / p95)",
            lambda r: f"{r['feed_304']['median_ms']} / {r['feed_304']['p95_ms']} ms",
        ),
        ("feed 200 again (median)", lambda r: f"{r['feed_warm_200']['median_ms']} ms"),
        ("feed after one change", lambda r: f"{r['feed_after_one_change_ms']} ms"),
        ("  worker CPU for it", lambda r: f"{r['feed_after_one_change_worker_cpu_ms']} ms"),
        ("GET /api/v1/events/ (median)", lambda r: f"{r['events_api']['median_ms']} ms"),
        ("  page_size=100 (median)", lambda r: f"{r['events_api_page_100']['median_ms']} ms"),
        ("feed size", lambda r: f"{r['feed_bytes'] / 1e6:.1f} MB, {r['feed_vevents']} VEVENTs"),
        ("  gzipped", lambda r: f"{r['feed_gzip_bytes'] / 1e3:.0f} kB"),
        ("  worker CPU to gzip it", lambda r: f"{r['feed_gzip_worker_cpu_ms']} ms"),
        ("worker RSS before feed", lambda r: f"{r['rss_before_feed_mb']} MB"),
        ("worker peak RSS (VmHWM)", lambda r: f"{r['worker_peak_rss_mb']} MB"),
        ("cold / health", lambda r: f"{r['ratios_to_health']['feed_cold']}x"),
        ("304 / health", lambda r: f"{r['ratios_to_health']['feed_304']}x"),
        ("events API / health", lambda r: f"{r['ratios_to_health']['events_api']}x"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'':{width}}  " + "  ".join(f"{r['events']:>14,} events" for r in results))
    for label, fmt in rows:
        print(f"{label:{width}}  " + "  ".join(f"{fmt(r):>21}" for r in results))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    load_at_start = os.getloadavg()
    port = free_port()
    recreate_database()
    setup_django(port)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in sorted(args.sizes):
            results.append(run_size(size, args.repeat, port, RESULTS_DIR))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database()
    print_table(results)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"feeds-{stamp}.json"
    load = os.getloadavg()
    print(
        f"\nload average (1 min): {load_at_start[0]:.1f} at start, {load[0]:.1f} at the end, "
        f"on {os.cpu_count()} CPUs"
    )
    report = {
        "when": stamp,
        "cpus": os.cpu_count(),
        "loadavg_start": load_at_start,
        "loadavg_end": load,
        "results": results,
    }
    out.write_text(json.dumps(report, indent=2))
    print(f"Saved {out.relative_to(ROOT)}")
    errors = [e for r in results for e in r["errors"]]
    for error in errors:
        print(f"ERROR: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
