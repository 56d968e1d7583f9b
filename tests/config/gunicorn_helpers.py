"""Start the production server (`make serve`: gunicorn with config/gunicorn.py) for a test."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """The URL of the database this test runs on (the test database)."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """gunicorn exactly as `make serve` starts it, on a free loopback port; yields (master, port).

    DEBUG=1 keeps the production settings checks (which want keys, hosts and HTTPS) out of the
    way: what is under test here is the server model, which DEBUG does not change.
    """
    port = free_port()
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "SECRET_KEY": "gunicorn-test-" + "k" * 50,
        "REDIS_URL": "",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "GUNICORN_LOGLEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    proc = spawn_gunicorn(full_env, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                url = f"http://127.0.0.1:{port}/api/v1/health/"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.1)
        yield proc, port
    finally:
        stop(proc)


def spawn_gunicorn(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start gunicorn as `make serve` does, in the environment `env`, its output to `log_path`."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a gunicorn master (SIGTERM: a graceful shutdown), killing it after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()  # its workers notice and exit within a second
            proc.wait(timeout=10)
