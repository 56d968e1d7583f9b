"""Shared pieces of the benchmarks: environment, bench database, server process, CPU accounting.

Nothing here sends traffic: `bench/loadgen.py` does, in its own process. The bench database is
its own PostgreSQL database (default `luohu_bench`) that is flushed on every run.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOADGEN = ROOT / "bench" / "loadgen.py"
RESULTS_DIR = ROOT / "bench" / "results"

BENCH_DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/luohu_bench"
)
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
# A throwaway Ed25519 seed for check-in codes (DEBUG=0 requires one), new for every run.
BENCH_CHECKIN_KEY = base64.b64encode(os.urandom(32)).decode()
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"


def server_env(port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the server under test (and of the bench's own Django setup)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            # DEBUG=0 refuses to start on a key shorter than 50 characters (config/checks.py).
            "SECRET_KEY": env.get("BENCH_SECRET_KEY", BENCH_SECRET_KEY),
            "DATABASE_URL": BENCH_DB_URL,
            "REDIS_URL": BENCH_REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The flash crowd is 2,000 residents from one address: the per-user throttle must not
            # be what answers them.
            "THROTTLE_BOOKING_CREATE": "1000000/min",
            "CHECKIN_SIGNING_KEY": BENCH_CHECKIN_KEY,
            "SITE_URL": "http://127.0.0.1",
            # The load generator speaks plain HTTP to gunicorn: no HTTPS redirect, no HSTS.
            "SECURE_TRANSPORT": "0",
            "LOG_LEVEL": "WARNING",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def db_name() -> str:
    return BENCH_DB_URL.split("?", 1)[0].rsplit("/", 1)[1]


def ensure_database(*, fresh: bool) -> None:
    """Create the bench database if it is missing (or drop and recreate it with `fresh`)."""
    import psycopg

    name = db_name()
    if not name.startswith("luohu_bench"):
        raise SystemExit(
            f"refusing to manage database {name!r}: bench databases start with luohu_bench"
        )
    url, _, query = BENCH_DB_URL.partition("?")  # ?host=/var/run/postgresql: Unix socket
    admin_url = url.rpartition("/")[0] + "/postgres" + (f"?{query}" if query else "")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def migrate(port: int) -> None:
    migrate_with(server_env(port))


def migrate_with(env: dict[str, str]) -> None:
    """Migrate the database of the server environment `env`, in a child process."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )


def setup_django(port: int) -> None:
    """Configure this process's Django for the bench database (to load data and verify)."""
    setup_django_with(server_env(port))


def setup_django_with(env: dict[str, str]) -> None:
    """Configure this process's Django for the server environment `env`."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(BENCH_REDIS_URL).flushdb()


# --- server ----------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_pids(self) -> list[int]:
        return children_of(self.proc.pid)

    def stop(self) -> None:
        stop_process(self.proc)


def start_server(port: int, gunicorn_env: dict[str, str], log_path: Path) -> Server:
    """Start the production server exactly as `make serve` does, on 127.0.0.1:port."""
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=server_env(port, {"GUNICORN_LOGLEVEL": "warning", **gunicorn_env}),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(port=port, proc=proc, log_path=log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(server.url("/api/v1/health/"), timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


# --- load generator --------------------------------------------------------------------------


def run_loadgen(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run bench/loadgen.py in its own process and return its JSON report."""
    proc = subprocess.run(
        [sys.executable, str(LOADGEN), "-"],
        input=json.dumps(spec).encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"loadgen failed: {proc.stderr.decode(errors='replace')}")
    return json.loads(proc.stdout)


# --- profiling -------------------------------------------------------------------------------


def start_profiler(server: Server, out_dir: Path) -> subprocess.Popen[bytes]:
    """Sample every gunicorn worker with py-spy (pip install py-spy; needs ptrace rights)."""
    spy = shutil.which("py-spy") or os.environ.get("PY_SPY", "")
    if not spy:
        raise SystemExit("--profile needs py-spy on PATH (pip install py-spy) or PY_SPY=/path")
    out_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [spy, "record", "--pid", str(server.proc.pid), "--subprocesses", "--nonblocking",
         "--rate", "200", "--format", "raw", "--output", str(out_dir / "crowd.folded")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)  # let py-spy attach before the crowd starts
    return proc


def stop_profiler(proc: subprocess.Popen[bytes]) -> None:
    stop_process(proc, signal.SIGINT)  # py-spy writes its output on SIGINT


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Ask a child process to stop with `sig` and wait for it; kill it after 30 s."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --- CPU accounting --------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm may contain spaces: split after the closing parenthesis.
    return raw[raw.rindex(")") + 2 :].split()


def children_of(ppid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == ppid:
                pids.append(int(entry.name))
    return pids


def process_cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # utime and stime are fields 14 and 15 of /proc/pid/stat (index 11 and 12 after comm).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def postgres_backend_pids() -> dict[int, str]:
    """Every postgres process, with the database it serves when it is a backend."""
    out: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmd.startswith("postgres:"):
            out[int(entry.name)] = cmd
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in parts[:8]]
    idle = values[3] + values[4]
    total = sum(values)
    return total - idle, total


class CpuTracker:
    """Samples CPU of the server's processes and of PostgreSQL backends during a phase.

    Backends come and go (CONN_MAX_AGE recycles them), so every process is sampled every
    `interval` seconds and counted from its first to its last sample: a process that exits
    loses at most one interval of CPU from the account.
    """

    def __init__(self, server: Server, interval: float = 0.5) -> None:
        self.server = server
        self.interval = interval
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        name = f" {db_name()} "
        procs: list[tuple[str, int]] = [("gunicorn", self.server.proc.pid)]
        procs += [("gunicorn", pid) for pid in self.server.worker_pids()]
        for pid, cmd in postgres_backend_pids().items():
            if name in cmd:
                procs.append(("pg_bench", pid))
        for key in procs:
            cpu = process_cpu_seconds(key[1])
            self.first.setdefault(key, cpu)
            self.last[key] = cpu

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> CpuTracker:
        self.started = time.monotonic()
        self.machine0 = machine_busy()
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()
        self.wall = max(time.monotonic() - self.started, 1e-9)
        self.machine1 = machine_busy()

    def seconds(self, kind: str) -> float:
        return sum(self.last[k] - self.first[k] for k in self.last if k[0] == kind)

    def report(self, loadgen_cpu_s: float, requests: int) -> dict[str, float]:
        """Cores used during the phase, and CPU milliseconds per request of server and database."""
        wall = self.wall
        busy = (self.machine1[0] - self.machine0[0]) / CLK_TCK
        server, pg_bench = self.seconds("gunicorn"), self.seconds("pg_bench")
        per_request = 1000 / max(requests, 1)
        return {
            "machine_cores": round(busy / wall, 2),
            "gunicorn_cores": round(server / wall, 2),
            "postgres_bench_cores": round(pg_bench / wall, 2),
            "loadgen_cores": round(loadgen_cpu_s / wall, 2),
            "other_cores": round((busy - server - pg_bench - loadgen_cpu_s) / wall, 2),
            "gunicorn_ms_per_request": round(server * per_request, 3),
            "postgres_ms_per_request": round(pg_bench * per_request, 3),
            "loadgen_ms_per_request": round(loadgen_cpu_s * per_request, 3),
            # What one request costs the machine (server + database + client). Other jobs on
            # the machine slow a phase down without changing this much.
            "machine_ms_per_request": round((server + pg_bench + loadgen_cpu_s) * per_request, 3),
        }


def measure(server: Server, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one loadgen phase and attach the CPU the machine spent on it."""
    with CpuTracker(server) as tracker:
        result = run_loadgen(spec, timeout=timeout)
    result["cpu"] = tracker.report(result["loadgen_cpu_s"], result["requests"])
    return result
