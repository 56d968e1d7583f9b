"""Fault bench: a rush of residents whose clients retry with the same Idempotency-Key, against
the production server on PostgreSQL + Redis + a real Celery worker, while one fault is injected.

    python bench/faults.py                    # or: make faults (about 6 minutes)
    python bench/faults.py --faults baseline,redis_stop,row_locks

Every run (one per fault, each on a venue of its own) lasts at most CLIENT_LIMIT seconds:

- 1,000 residents arrive over ARRIVAL_SECONDS, each on a connection of its own. A resident
  tries up to 5 of the venue's 70 popular slots (830 places; courts 4x as wanted as gym slots)
  with `POST /api/v1/bookings/`: a 201 or 200 ends it; 409 `slot_taken`/`slot_full` sends it to
  its next slot with a new key; anything else that may pass (409 `busy`, 429, 5xx, a reset,
  a refused connection, no answer within REQUEST_TIMEOUT) is retried **with the same
  Idempotency-Key**, after `Retry-After` (or a backoff), for up to RETRY_DEADLINE seconds.
- Probes meanwhile: liveness `GET /api/v1/health/` every 0.2 s and readiness
  `GET /api/v1/health/ready/` every 0.5 s, each on a new connection, 2 s timeout.
- FAULT_AT seconds in, the fault (the table in bench/README.md, "Faults").

Then the bench waits for the notice sweeps (at most SWEEP_WAIT seconds) and compares what the
clients saw with the database and with the mails that left (bench/mail_sink.py):
- lost: a booking a client was told of (201/200 and its id) that is not an active booking;
- duplicated: a resident with more than one active booking at the venue;
- oversold: places booked beyond a slot's places (or `remaining` not places minus booked);
- notices: confirmations owed (confirmed bookings) against confirmations that left, distinct;
- HTML: answers with an HTML body (an error page) anywhere in the run;
- recovery: from the end of the fault to the end of the last unhealthy answer (5xx, error,
  timeout, over 1 s, or a probe that failed).

The servers are the bench's own: gunicorn exactly as `make serve` starts it (bench/common.py),
a redis-server on a free port (never the machine's shared one: it is stopped during a run),
a Celery worker (threads pool) and beat, the database `luohu_bench_faults` (recreated). Only
`pg_restart` touches something shared: the machine's PostgreSQL cluster (`--pg-cluster`),
restarted once, last. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARRIVAL_SECONDS = 20.0
FAULT_AT = 4.0
FAULT_SECONDS = 10.0  # Redis stopped, rows locked
CELERY_DOWN_SECONDS = 5.0
CLIENT_LIMIT = 40.0
REQUEST_TIMEOUT = 10.0
RETRY_DEADLINE = 30.0
PROBE_TIMEOUT = 2.0
SWEEP_WAIT = 45.0
SLOW = 1.0  # an answer slower than this is not "recovered"

COURTS, COURT_HOURS = 10, range(17, 20)  # 30 exclusive slots of 1 place
GYMS, GYM_HOURS, GYM_CAPACITY = 4, range(10, 20), 20  # 40 slots of 20 places
LOCKED_COURTS, LOCKED_GYMS = 10, 5  # hot rows held FOR UPDATE by the row_locks fault

FAULTS = {
    "baseline": "no fault",
    "worker_kill": "a gunicorn worker killed (SIGKILL); the master starts another",
    "master_reload": "gunicorn master reloaded (SIGHUP): new workers, the old ones stop",
    "master_restart": "gunicorn stopped (SIGTERM) and started again",
    "celery_kill": f"the Celery worker killed (SIGKILL), started again {CELERY_DOWN_SECONDS:.0f} s later",
    "redis_stop": f"Redis stopped for {FAULT_SECONDS:.0f} s (it keeps nothing on disk)",
    "row_locks": f"{LOCKED_COURTS + LOCKED_GYMS} hot slot rows locked FOR UPDATE for {FAULT_SECONDS:.0f} s",
    "pg_restart": "PostgreSQL restarted (pg_ctlcluster restart, fast mode)",
}
DEFAULT_ORDER = list(FAULTS)  # pg_restart last: it is the machine's shared server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ==========================================================================================
# The client (runs in its own process: `faults.py --client`, spec on stdin, JSON on stdout)
# ==========================================================================================


class ClientError(Exception):
    pass


class Conn:
    """One HTTP/1.1 keep-alive connection over asyncio streams."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0][9:12])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body


def _error_name(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | asyncio.IncompleteReadError):
        return "reset"
    return type(exc).__name__


async def run_client(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = "127.0.0.1", int(spec["port"])
    t0 = float(spec["t0"])
    stop_at = t0 + CLIENT_LIMIT
    # (kind, start, end, status, code, html, error)
    records: list[tuple[str, float, float, int, str, bool, str]] = []
    outcomes: list[dict[str, Any]] = []
    done = asyncio.Event()
    limit = asyncio.Semaphore(512)

    async def exchange(
        conn: Conn, raw: bytes, kind: str, timeout: float
    ) -> tuple[int, dict[str, str], dict[str, Any]] | None:
        start = time.monotonic()
        try:
            status, headers, body = await asyncio.wait_for(conn.send(raw), timeout)
        except Exception as exc:  # the outcome under test
            conn.close()
            records.append((kind, start, time.monotonic(), 0, "", False, _error_name(exc)))
            return None
        end = time.monotonic()
        html = "text/html" in headers.get("content-type", "")
        data: dict[str, Any] = {}
        if headers.get("content-type", "").startswith("application/json"):
            try:
                loaded = json.loads(body)
                data = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                pass
        records.append((kind, start, end, status, str(data.get("code", "")), html, ""))
        return status, headers, data

    async def resident(index: int, token: str, slots: list[int], arrival: float) -> None:
        await asyncio.sleep(max(0.0, arrival - time.monotonic()))
        async with limit:
            conn = Conn(host, port)
            outcome: dict[str, Any] = {"resident": index, "result": "refused_everywhere"}
            try:
                for slot in slots:
                    key = os.urandom(12).hex()
                    body = b'{"slot": %d, "party_size": 1}' % slot
                    raw = (
                        f"POST /api/v1/bookings/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
                        f"Authorization: Token {token}\r\nIdempotency-Key: {key}\r\n"
                        "Content-Type: application/json\r\nAccept: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n"
                    ).encode() + body
                    deadline = time.monotonic() + RETRY_DEADLINE
                    backoff = 0.25
                    while True:
                        if time.monotonic() > min(deadline, stop_at):
                            outcome = {"resident": index, "result": "gave_up", "slot": slot}
                            return
                        answer = await exchange(conn, raw, "book", REQUEST_TIMEOUT)
                        if answer is not None:
                            status, headers, data = answer
                            if status in (200, 201):
                                outcome = {
                                    "resident": index,
                                    "result": "booked",
                                    "slot": slot,
                                    "booking": data.get("id"),
                                    "status": status,
                                }
                                return
                            if status == 409 and data.get("code") in ("slot_taken", "slot_full"):
                                break  # a definite no: the next slot, with a new key
                            if status not in (409, 429) and status < 500:
                                outcome = {
                                    "resident": index,
                                    "result": f"refused {status} {data.get('code', '')}",
                                }
                                return
                            wait = float(headers.get("retry-after", backoff))
                        else:
                            wait = backoff
                        backoff = min(backoff * 2, 2.0)
                        await asyncio.sleep(wait * random.uniform(1.0, 1.5))
            finally:
                conn.close()
                outcomes.append(outcome)

    async def probe(path: str, kind: str, interval: float) -> None:
        raw = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
        while not done.is_set() and time.monotonic() < stop_at:
            await exchange(Conn(host, port), raw, kind, PROBE_TIMEOUT)
            await asyncio.sleep(interval)

    await asyncio.sleep(max(0.0, t0 - time.monotonic()))
    n = len(spec["residents"])
    probes = [
        asyncio.create_task(probe("/api/v1/health/", "live", 0.2)),
        asyncio.create_task(probe("/api/v1/health/ready/", "ready", 0.5)),
    ]
    await asyncio.gather(
        *(
            resident(i, r["token"], r["slots"], t0 + i * ARRIVAL_SECONDS / n)
            for i, r in enumerate(spec["residents"])
        )
    )
    done.set()
    await asyncio.gather(*probes)
    return {"records": records, "outcomes": outcomes}


def client_main() -> int:
    spec = json.load(sys.stdin)
    runner: Any = asyncio.run
    try:
        import uvloop  # type: ignore[import-not-found]

        runner = uvloop.run
    except ImportError:
        pass
    json.dump(runner(run_client(spec)), sys.stdout)
    return 0


# ==========================================================================================
# The orchestrator
# ==========================================================================================

if "--client" not in sys.argv:
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/luohu_bench_faults"
    )
    REDIS_PORT = _free_port()
    os.environ["BENCH_REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
    from bench import common


class Services:
    """The bench's own servers: redis-server, gunicorn, a Celery worker and beat."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = common.free_port()
        self.mail_log = workdir / "mail.log"
        self.mail_log.touch()
        self.env = {
            "DATABASE_URL": common.BENCH_DB_URL,
            "REDIS_URL": common.BENCH_REDIS_URL,
            "EMAIL_BACKEND": "bench.mail_sink.EmailBackend",
            "BENCH_MAIL_LOG": str(self.mail_log),
            "PYTHONPATH": str(ROOT),
        }
        self.redis: subprocess.Popen[bytes] | None = None
        self.server: common.Server | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.beat: subprocess.Popen[bytes] | None = None

    def _log(self, name: str) -> Any:
        return open(self.workdir / f"{name}.log", "ab")

    def start_redis(self) -> None:
        with self._log("redis") as log:
            self.redis = subprocess.Popen(
                ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start; see redis.log")

    def stop_redis(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=10)

    def start_server(self) -> None:
        self.server = common.start_server(self.port, self.env, self.workdir / "gunicorn.log")

    def start_worker(self) -> None:
        with self._log("celery-worker") as log:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads",
                 "--concurrency", "2", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel", "WARNING",
                 "-n", f"faults-{os.getpid()}@localhost"],
                cwd=ROOT, env=common.server_env(self.port, self.env), stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def start_beat(self) -> None:
        with self._log("celery-beat") as log:
            self.beat = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING",
                 "-s", str(self.workdir / "beat-schedule")],
                cwd=ROOT, env=common.server_env(self.port, self.env), stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def start_all(self) -> None:
        self.start_redis()
        self.start_server()
        self.start_worker()
        self.start_beat()

    def ensure_running(self) -> None:
        """Between runs: whatever a fault left down is started again."""
        if self.redis is None or self.redis.poll() is not None:
            self.start_redis()
        if self.server is None or self.server.proc.poll() is not None:
            self.start_server()
        if self.worker is None or self.worker.poll() is not None:
            self.start_worker()
        if self.beat is None or self.beat.poll() is not None:
            self.start_beat()

    def stop_all(self) -> None:
        for proc in (self.beat, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        if self.server is not None:
            self.server.stop()
        self.stop_redis()


# --- data ----------------------------------------------------------------------------------


def load_data(*, residents: int, runs: list[str], seed: int) -> dict[str, Any]:
    """Flush the bench database; residents with tokens and e-mail addresses; one venue per run."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from booking.models import Slot
    from venues.models import BookingPolicy, OpeningRule, Resource, Venue

    assert connection.settings_dict["NAME"].startswith("luohu_bench"), "not a bench database"
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    day = timezone.localdate() + dt.timedelta(days=1)
    User = get_user_model()

    def at(hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    out: dict[str, Any] = {"runs": {}}
    with transaction.atomic():
        people = User.objects.bulk_create(
            User(username=f"faults-resident-{i:05d}", password="!",
                 email=f"faults-resident-{i:05d}@example.com")
            for i in range(residents + 1)
        )  # fmt: skip
        tokens = [
            t.key
            for t in Token.objects.bulk_create(
                Token(key=os.urandom(20).hex(), user=u) for u in people
            )
        ]
        out["warm_token"] = tokens.pop()
        for run in [*runs, "warmup"]:
            venue = Venue.objects.create(
                slug=f"faults-{run}", kind=Venue.Kind.SPORTS_CENTRE, name_zh=f"故障{run}",
                name_en=f"faults {run}",
            )  # fmt: skip
            BookingPolicy.objects.create(
                venue=venue, window_days=7, release_time=dt.time(0, 0),
                max_bookings_per_day=100, max_bookings_per_week=500,
                max_hours_per_day=Decimal("24.0"),
            )  # fmt: skip
            slots: list[Slot] = []
            rules: list[OpeningRule] = []
            for kind, count, hours, capacity, exclusive in (
                ("court", COURTS, COURT_HOURS, 4, True),
                ("gym", GYMS, GYM_HOURS, GYM_CAPACITY, False),
            ):
                for i in range(count):
                    resource = Resource.objects.create(
                        venue=venue, name_zh=f"{kind}{i + 1}", exclusive=exclusive,
                        capacity=capacity,
                    )  # fmt: skip
                    places = 1 if exclusive else capacity
                    rules += [
                        OpeningRule(resource=resource, weekday=w, opens_at=dt.time(hours.start),
                                    closes_at=dt.time(hours.stop), slot_minutes=60,
                                    price=Decimal("0.00"), capacity=capacity)
                        for w in range(7)
                    ]  # fmt: skip
                    slots += [
                        Slot(resource=resource, venue=venue, starts_at=at(h), ends_at=at(h + 1),
                             capacity=capacity, places=places, remaining=places)
                        for h in hours
                    ]  # fmt: skip
            OpeningRule.objects.bulk_create(rules)
            slots = Slot.objects.bulk_create(slots)
            courts = [s.pk for s in slots if s.places == 1]
            gyms = [s.pk for s in slots if s.places > 1]
            weights = [4.0 if s.places == 1 else 1.0 for s in slots]
            ids = [s.pk for s in slots]
            wishes = []
            for token in tokens:
                chosen: list[int] = []
                while len(chosen) < 5:
                    pick = rng.choices(ids, weights)[0]
                    if pick not in chosen:
                        chosen.append(pick)
                wishes.append({"token": token, "slots": chosen})
            rng.shuffle(wishes)
            out["runs"][run] = {
                "venue": venue.pk,
                "places": {s.pk: s.places for s in slots},
                "hot": courts[:LOCKED_COURTS] + gyms[:LOCKED_GYMS],
                "residents": wishes,
            }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return out


# --- faults --------------------------------------------------------------------------------


def inject(fault: str, svc: Services, run: dict[str, Any], pg_cluster: str) -> tuple[float, float]:
    """Inject the fault now; return (start, end) in time.monotonic()."""
    start = time.monotonic()
    if fault == "baseline":
        return start, start
    if fault == "worker_kill":
        assert svc.server is not None
        workers = svc.server.worker_pids()
        os.kill(random.choice(workers), signal.SIGKILL)
        return start, time.monotonic()
    if fault == "master_reload":
        assert svc.server is not None
        svc.server.proc.send_signal(signal.SIGHUP)
        return start, time.monotonic()
    if fault == "master_restart":
        assert svc.server is not None
        svc.server.stop()
        end = time.monotonic()
        svc.start_server()  # returns once it answers
        return start, end
    if fault == "celery_kill":
        assert svc.worker is not None
        svc.worker.kill()
        svc.worker.wait(timeout=10)
        time.sleep(CELERY_DOWN_SECONDS)
        svc.start_worker()
        return start, time.monotonic()
    if fault == "redis_stop":
        svc.stop_redis()
        time.sleep(FAULT_SECONDS)
        end = time.monotonic()
        svc.start_redis()
        return start, end
    if fault == "row_locks":
        import psycopg

        with psycopg.connect(common.BENCH_DB_URL) as conn:
            conn.execute(
                "SELECT id FROM booking_slot WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                [run["hot"]],
            )
            time.sleep(FAULT_SECONDS)
            conn.rollback()
        return start, time.monotonic()
    if fault == "pg_restart":
        version, name = pg_cluster.split("/")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
            check=True,
            timeout=120,
        )
        return start, time.monotonic()
    raise SystemExit(f"unknown fault {fault}")


# --- one run -------------------------------------------------------------------------------


def run_fault(fault: str, svc: Services, run: dict[str, Any], pg_cluster: str) -> dict[str, Any]:
    t0 = time.monotonic() + 1.0
    spec = {"port": svc.port, "t0": t0, "residents": run["residents"]}
    client = subprocess.Popen(
        [sys.executable, __file__, "--client"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    output: dict[str, bytes] = {}
    talker = threading.Thread(
        target=_talk, args=(client, json.dumps(spec).encode(), output), daemon=True
    )
    talker.start()
    time.sleep(max(0.0, t0 + FAULT_AT - time.monotonic()))
    fault_start, fault_end = inject(fault, svc, run, pg_cluster)
    talker.join(timeout=CLIENT_LIMIT + 60)
    client.wait(timeout=10)
    if client.returncode != 0:
        raise SystemExit(f"client failed: {output.get('stderr', b'').decode(errors='replace')}")
    seen = json.loads(output["stdout"])
    traffic_end = max((r[2] for r in seen["records"]), default=time.monotonic())
    result = {
        "fault": fault,
        "description": FAULTS[fault],
        "fault_window_s": [round(fault_start - t0, 2), round(fault_end - t0, 2)],
    }
    result.update(_traffic(seen["records"], fault_start, fault_end))
    result["timeline"] = _timeline(seen["records"], t0)
    result.update(_verify(run, seen["outcomes"], svc, traffic_end))
    return result


def _talk(proc: subprocess.Popen[bytes], spec: bytes, output: dict[str, bytes]) -> None:
    output["stdout"], output["stderr"] = proc.communicate(spec)


def _p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


def _traffic(records: list[list[Any]], fault_start: float, fault_end: float) -> dict[str, Any]:
    book = [r for r in records if r[0] == "book"]
    window_end = fault_end + 2.0  # an instant fault (a kill) shows in the seconds after it
    in_fault = [r for r in book if fault_start <= r[1] <= window_end]
    statuses = Counter(str(r[3]) if r[3] else r[6] for r in book)
    codes = Counter(f"{r[3]} {r[4]}".strip() for r in book if r[3] >= 400)

    def unhealthy(r: list[Any]) -> bool:
        kind, start, end, status, _code, _html, error = r
        if error or status >= 500 or end - start > SLOW:
            return True
        return kind in ("live", "ready") and status != 200

    after = [r[2] - fault_end for r in records if r[2] > fault_end and unhealthy(r)]
    live = [r for r in records if r[0] == "live"]
    live_in_fault = [r for r in live if fault_start <= r[1] <= window_end]
    ready = [r for r in records if r[0] == "ready"]
    return {
        "requests": len(book),
        "statuses": dict(sorted(statuses.items())),
        "refusal_codes": dict(sorted(codes.items())),
        "fivexx": sum(1 for r in book if r[3] >= 500),
        "server_500": sum(1 for r in book if r[3] == 500),
        "timeouts": sum(1 for r in book if r[6] == "timeout"),
        "transport_errors": sum(1 for r in book if r[6] and r[6] != "timeout"),
        "html_answers": sum(1 for r in records if r[5]),
        "p50_ms": round(_p([r[2] - r[1] for r in book], 50) * 1000),
        "p99_ms": round(_p([r[2] - r[1] for r in book], 99) * 1000),
        "fault_requests": len(in_fault),
        "fault_p99_ms": round(_p([r[2] - r[1] for r in in_fault], 99) * 1000),
        "liveness_failed": sum(1 for r in live if r[3] != 200),
        "liveness_max_ms_in_fault": round(
            max((r[2] - r[1] for r in live_in_fault), default=0) * 1000
        ),
        "readiness": dict(Counter(str(r[3]) if r[3] else r[6] for r in ready)),
        "recovery_s": round(max(after, default=0.0), 2),
    }


def _timeline(records: list[list[Any]], t0: float) -> list[dict[str, Any]]:
    """Per second of the run (by start time): booking answers by kind, their p99, and the
    slowest liveness probe."""
    seconds: dict[int, list[list[Any]]] = {}
    for r in records:
        seconds.setdefault(int(r[1] - t0), []).append(r)
    out = []
    for second in sorted(seconds):
        rs = seconds[second]
        book = [r for r in rs if r[0] == "book"]
        live = [r for r in rs if r[0] == "live"]
        out.append(
            {
                "t": second,
                "book": len(book),
                "ok": sum(1 for r in book if r[3] in (200, 201)),
                "409": sum(1 for r in book if r[3] == 409),
                "503": sum(1 for r in book if r[3] == 503),
                "errors": sum(1 for r in book if r[6]),
                "p99_ms": round(_p([r[2] - r[1] for r in book], 99) * 1000),
                "live_max_ms": round(max((r[2] - r[1] for r in live), default=0) * 1000),
            }
        )
    return out


def _verify(
    run: dict[str, Any], outcomes: list[dict[str, Any]], svc: Services, traffic_end: float
) -> dict[str, Any]:
    """Compare what the clients were told with the database and the mails that left."""
    from django.db import connection
    from django.db.models import Count, Sum

    from booking.models import Booking, Slot
    from common.models import Notice

    connection.close()  # a restarted PostgreSQL left the old connection dead
    booked = [o for o in outcomes if o["result"] == "booked"]
    told = {int(o["booking"]) for o in booked if o.get("booking") is not None}
    rows = Booking.objects.filter(venue_id=run["venue"])
    active = rows.filter(status__in=Booking.ACTIVE_STATUSES)
    active_ids = set(active.values_list("pk", flat=True))
    per_slot = {
        r["slot_id"]: r["places"] for r in active.values("slot_id").annotate(places=Sum("places"))
    }
    oversold = 0
    for slot in Slot.objects.filter(venue_id=run["venue"]):
        taken = per_slot.get(slot.pk, 0)
        oversold += max(0, taken - slot.places) + int(slot.remaining != slot.places - taken)
    duplicated = active.values("resident_id").annotate(n=Count("id")).filter(n__gt=1).count()
    confirmed = set(active.filter(status=Booking.Status.CONFIRMED).values_list("pk", flat=True))
    notice_rows = Notice.objects.filter(kind=Booking.CONFIRMATION_NOTICE, ref__in=confirmed)
    # The sweeps: wait until every confirmation owed has left (or SWEEP_WAIT has passed).
    deadline = time.monotonic() + SWEEP_WAIT
    while True:
        mailed = Counter(int(line) for line in svc.mail_log.read_text().split() if line.isdigit())
        sent = confirmed & set(mailed)
        if sent == confirmed or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    notices_done = time.monotonic() - traffic_end
    result = {
        "residents_booked": len(booked),
        "outcomes": dict(Counter(o["result"].split(" ")[0] for o in outcomes)),
        "booking_rows": rows.count(),
        "lost": len(told - active_ids),
        "unacknowledged": len(active_ids - told),
        "duplicated": duplicated,
        "oversold": oversold,
        "notices_owed": len(confirmed),
        "notice_rows": notice_rows.count(),
        "notices_sent": len(sent),
        "notices_lost": len(confirmed - sent),
        "mails_repeated": sum(mailed[i] - 1 for i in sent),
        "notices_sent_after_s": round(notices_done, 1),
    }
    connection.close()
    return result


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--faults", default=",".join(DEFAULT_ORDER), help="comma-separated, in order")
    p.add_argument("--residents", type=int, default=1000)
    p.add_argument("--seed", type=int, default=20261212)
    p.add_argument("--pg-cluster", default="15/main", help="version/name for pg_ctlcluster")
    p.add_argument("--json", type=Path, help="where to save the JSON report")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    faults = [f for f in args.faults.split(",") if f]
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        raise SystemExit(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="luohu-faults-"))
    print(f"logs in {workdir}", flush=True)
    svc = Services(workdir)
    svc.start_redis()
    common.ensure_database(fresh=True)
    common.migrate(svc.port)
    common.setup_django(svc.port)
    data = load_data(residents=args.residents, runs=faults, seed=args.seed)
    print(
        f"data: {args.residents} residents, {len(faults)} venues; "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    failed: list[str] = []
    try:
        svc.start_server()
        svc.start_worker()
        svc.start_beat()
        _warm_up(svc, data)
        for fault in faults:
            print(f"\n{fault}: {FAULTS[fault]}", flush=True)
            try:
                svc.ensure_running()
                result = run_fault(fault, svc, data["runs"][fault], args.pg_cluster)
            except (Exception, SystemExit) as exc:  # report it, go on with the next fault
                print(f"  ! {fault} did not run to the end: {exc}", flush=True)
                failed.append(fault)
                continue
            results.append(result)
            _print_result(result)
    finally:
        svc.stop_all()
    ok = _summarise(results) and not failed
    if failed:
        print(f"  [FAIL] did not run to the end: {', '.join(failed)}")
    path = args.json or common.RESULTS_DIR / f"faults-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"results": results, "logs": str(workdir)}, indent=2))
    print(f"saved {path}; {time.monotonic() - started:.0f} s in all")
    return 0 if ok else 1


def _warm_up(svc: Services, data: dict[str, Any]) -> None:
    """Every worker thread opens its connections and imports its code paths."""
    warm = data["runs"]["warmup"]
    residents = [{"token": r["token"], "slots": r["slots"][:1]} for r in warm["residents"][:200]]
    common.run_loadgen(
        {"host": "127.0.0.1", "port": svc.port, "connections": 32, "scenario": "crowd",
         "residents": residents, "time_limit": 20},
        timeout=60,
    )  # fmt: skip


def _print_result(r: dict[str, Any]) -> None:
    print(
        f"  {r['requests']} booking requests ({r['fault_requests']} in the fault), statuses "
        f"{r['statuses']}; 5xx {r['fivexx']} (500: {r['server_500']}), timeouts "
        f"{r['timeouts']}, transport errors {r['transport_errors']}, HTML {r['html_answers']}\n"
        f"  p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, p99 in the fault {r['fault_p99_ms']} ms; "
        f"liveness failed {r['liveness_failed']}, slowest in the fault "
        f"{r['liveness_max_ms_in_fault']} ms; readiness {r['readiness']}\n"
        f"  residents {r['outcomes']}; lost {r['lost']}, duplicated {r['duplicated']}, "
        f"oversold {r['oversold']}, unacknowledged {r['unacknowledged']}\n"
        f"  notices owed {r['notices_owed']} (rows {r['notice_rows']}), sent {r['notices_sent']}, "
        f"lost {r['notices_lost']}, repeated {r['mails_repeated']}, all sent "
        f"{r['notices_sent_after_s']} s after the traffic; recovered {r['recovery_s']} s after "
        f"the fault ended",
        flush=True,
    )


def _summarise(results: list[dict[str, Any]]) -> bool:
    header = ("fault", "requests", "5xx", "timeouts", "p99 in fault ms", "lost", "dup",
              "oversold", "notices owed/sent", "HTML", "recovery s")  # fmt: skip
    rows = [header]
    for r in results:
        rows.append(
            (r["fault"], str(r["requests"]), str(r["fivexx"]), str(r["timeouts"]),
             str(r["fault_p99_ms"]), str(r["lost"]), str(r["duplicated"]), str(r["oversold"]),
             f"{r['notices_owed']}/{r['notices_sent']}", str(r["html_answers"]),
             f"{r['recovery_s']:.1f}")
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print()
    for row in rows:
        print("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in
                        enumerate(zip(row, widths, strict=True))))  # fmt: skip
    checks = [
        ("0 bookings lost", all(r["lost"] == 0 for r in results)),
        ("0 duplicated", all(r["duplicated"] == 0 for r in results)),
        ("0 oversold", all(r["oversold"] == 0 for r in results)),
        ("0 notices lost", all(r["notices_lost"] == 0 for r in results)),
        ("no HTML error pages", all(r["html_answers"] == 0 for r in results)),
        ("no 500", all(r["server_500"] == 0 for r in results)),
        ("p99 during a Redis outage < 500 ms",
         all(r["fault_p99_ms"] < 500 for r in results if r["fault"] == "redis_stop")),
        ("recovery < 10 s", all(r["recovery_s"] < 10 for r in results)),
    ]  # fmt: skip
    ok = True
    for name, passed in checks:
        print(f"  [{'ok' if passed else 'FAIL'}] {name}")
        ok = ok and passed
    return ok


if __name__ == "__main__":
    if "--client" in sys.argv:
        sys.exit(client_main())
    sys.exit(main(sys.argv[1:]))
