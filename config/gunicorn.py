"""Gunicorn settings for `make serve` (the production server) and the benchmarks.

Chosen by measurement on a 2-core machine with PostgreSQL and Redis on the same host
(bench/README.md, "Server model"): threaded workers (gthread) so that keep-alive connections
wait in each worker's poller instead of holding a process, one worker per core, two threads
each, and SO_REUSEPORT so that the kernel spreads connections evenly over the workers.

In a booking rush every request is short and CPU-bound (Python, then PostgreSQL on the same
cores): more threads or workers than that only add GIL hand-offs and row-lock queues, and the
flash crowd got slower (2 x 4 threads: -20% attempts/s, p99 +40%) while a database-free
endpoint got faster. Raise GUNICORN_THREADS where requests wait on the network (an outside
API in the request) rather than on the CPU.

Database connections: one per thread (CONN_MAX_AGE keeps them), so workers x threads per
machine; keep the sum over all app servers well below PostgreSQL's max_connections.

Every value can be overridden from the environment (GUNICORN_<NAME>), which is how the
benchmarks sweep them: `python bench/flash_crowd.py --gunicorn GUNICORN_THREADS=4`.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _bool(name: str, default: bool) -> bool:
    return _str(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


bind = f"{_str('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"

worker_class = _str("GUNICORN_WORKER_CLASS", "gthread")
if worker_class == "gthread":
    # gthread, stopped without resetting queued connections and with each request's wait for
    # a thread measured (the wait sheds load: api/outage.py). See config/gunicorn_worker.py.
    worker_class = "config.gunicorn_worker.ThreadWorker"
workers = _int("GUNICORN_WORKERS", os.cpu_count() or 1)
threads = _int("GUNICORN_THREADS", 2)
# Idle keep-alive connections cost a poller entry, not a thread. Behind a proxy that keeps
# upstream connections open, set this above the proxy's own idle timeout.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
backlog = _int("GUNICORN_BACKLOG", 2048)
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 1000)
# Each worker listens on its own socket and the kernel hashes new connections over them:
# without it one worker accepted three times as many of 128 keep-alive connections as another
# and the flash crowd's p99 was about 40% higher. A stopping worker keeps accepting for
# GUNICORN_DRAIN_SECONDS (1 s), then takes what is queued on its socket and closes it before it
# finishes its requests, so that a restart resets no connection (config/gunicorn_worker.py).
reuse_port = _bool("GUNICORN_REUSE_PORT", True)
timeout = _int("GUNICORN_TIMEOUT", 30)
# How long a stopping worker may take to finish the requests it accepted (SIGTERM, SIGHUP).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Import the app once in the master: workers share its memory and start at once.
preload_app = _bool("GUNICORN_PRELOAD", True)

# gunicornc's control socket defaults to one path per user, which several servers on one
# machine (benchmarks, tests) would fight over: only with an explicit path.
control_socket = _str("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = _str("GUNICORN_LOGLEVEL", "info")
proc_name = "luohu-sports"


def post_worker_init(worker: object) -> None:
    """Per-worker tuning that must run in the worker process."""
    interval = os.environ.get("GUNICORN_SWITCH_INTERVAL", "").strip()
    if interval:
        import sys

        # How long a thread may keep the GIL while another waits (Python's default: 5 ms). No
        # gain measured at 1 ms with two threads; kept as a knob for more threads.
        sys.setswitchinterval(float(interval))
