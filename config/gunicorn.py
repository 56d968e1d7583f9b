"""Gunicorn settings for `make serve` (the production server) and the benchmarks.

Every value can be overridden from the environment (GUNICORN_<NAME>) so that operators and
`bench/flash_crowd.py` can sweep them; the defaults are the ones measured best on a 2-core
machine with PostgreSQL on the same host (see bench/README.md, "Server model").
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


bind = f"{_str('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"

worker_class = _str("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1))
threads = _int("GUNICORN_THREADS", 4)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
backlog = _int("GUNICORN_BACKLOG", 2048)
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 1000)
reuse_port = _str("GUNICORN_REUSE_PORT", "0") == "1"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
preload_app = _str("GUNICORN_PRELOAD", "1") == "1"

accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = _str("GUNICORN_LOGLEVEL", "info")
proc_name = "luohu-sports"
