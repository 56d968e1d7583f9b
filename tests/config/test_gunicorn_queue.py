"""Through the production server: a request queued behind busy threads for longer than
SHED_QUEUE_WAIT_MS is answered 503 `busy` at once, while liveness still answers 200."""

import http.client
import json
import threading
import time

import pytest

from tests.config.gunicorn_helpers import gunicorn
from tests.config.test_gunicorn_drain import Outcome, _slow_request

pytestmark = [pytest.mark.concurrency]


def _get(
    port: int, path: str, results: dict[str, tuple[int, dict[str, str], bytes, float]]
) -> None:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        results[path] = (
            response.status,
            dict(response.getheaders()),
            response.read(),
            time.monotonic() - started,
        )
    finally:
        conn.close()


def test_requests_queued_behind_a_busy_thread_are_shed_and_liveness_answers(tmp_path):
    env = {"GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "1", "SHED_QUEUE_WAIT_MS": "500"}
    with gunicorn(env, tmp_path / "gunicorn.log") as (_master, port):
        slow: list[Outcome] = []
        holder = threading.Thread(target=_slow_request, args=(port, slow, 1.5), daemon=True)
        holder.start()
        time.sleep(0.2)  # the only thread now waits for the slow request's head
        results: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        queued = [
            threading.Thread(target=_get, args=(port, path, results), daemon=True)
            for path in ("/api/v1/no-such-thing/", "/api/v1/health/")
        ]
        for thread in queued:
            thread.start()
        for thread in [holder, *queued]:
            thread.join(timeout=20)
        after: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        _get(port, "/api/v1/no-such-thing/", after)  # not queued: answered as usual

    status, headers, body, waited = results["/api/v1/no-such-thing/"]
    assert status == 503, body
    assert headers["Retry-After"] == "2"
    assert json.loads(body)["code"] == "busy"
    assert 1.0 < waited < 3.0  # it did wait behind the slow request, and no longer
    status, _headers, body, _waited = results["/api/v1/health/"]
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert after["/api/v1/no-such-thing/"][0] == 404
    assert [o.result for o in slow] == ["ok"]


def _kept_alive_health(port: int, results: dict[str, float], name: str, ready: threading.Event):
    """A monitor's kept-alive connection: one probe, then another once `ready` is set."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        for _ in range(2):
            started = time.monotonic()
            conn.request("GET", "/api/v1/health/")
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read()) == {"status": "ok"}
            results[name] = time.monotonic() - started
            ready.wait(timeout=15)
    finally:
        conn.close()


def test_liveness_answers_at_once_while_every_thread_is_stuck(tmp_path):
    """Every thread of the worker is held (a lock wait, a slow client): liveness probes, on a
    new connection or a kept-alive one, are answered at once, not after the held thread."""
    env = {"GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "1"}
    with gunicorn(env, tmp_path / "gunicorn.log") as (_master, port):
        timings: dict[str, float] = {}
        go = threading.Event()
        kept = threading.Thread(
            target=_kept_alive_health, args=(port, timings, "kept-alive", go), daemon=True
        )
        kept.start()
        time.sleep(0.3)  # its first probe answered; the connection waits, kept alive
        slow: list[Outcome] = []
        holder = threading.Thread(target=_slow_request, args=(port, slow, 2.5), daemon=True)
        holder.start()
        time.sleep(0.6)  # the only thread has been held for more than the 0.2 s that count
        results: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        _get(port, "/api/v1/health/", results)
        go.set()  # the kept-alive connection's second probe
        kept.join(timeout=10)
        holder.join(timeout=10)

    status, _headers, body, waited = results["/api/v1/health/"]
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert waited < 0.5, waited
    assert timings["kept-alive"] < 0.5, timings
    assert [o.result for o in slow] == ["ok"]
