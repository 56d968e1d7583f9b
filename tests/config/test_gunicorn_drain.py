"""SIGTERM and SIGHUP drain: a request the server took is answered, never reset.

With SO_REUSEPORT each gunicorn worker listens on a socket of its own, and the kernel queues
new connections on it until the worker closes it. gunicorn's stopping worker stopped polling
its socket at once but closed it only once its last request was done: every connection queued
there meanwhile, its request already sent, was reset on close (13 in one restart of the fault
bench, issue 12). A client cannot tell whether such a request was served; a refused connection
(the server gone) it can simply retry.
"""

import http.client
import re
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.config.gunicorn_helpers import gunicorn

pytestmark = [pytest.mark.concurrency]

PATH = "/api/v1/health/"


@dataclass
class Outcome:
    sent: float
    done: float
    result: str  # "ok", "refused", "reset", "timeout", or another error's name
    reused: bool = False  # sent on a kept-alive connection that had answered before


def _classify(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return "reset"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__


class Clients:
    """Threads that send GETs without pause, on new connections or on kept-alive ones."""

    def __init__(self, port: int, *, fresh: int, kept_alive: int) -> None:
        self.port = port
        self.outcomes: list[Outcome] = []
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(i < fresh,), daemon=True)
            for i in range(fresh + kept_alive)
        ]

    def __enter__(self) -> "Clients":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _run(self, fresh: bool) -> None:
        conn: http.client.HTTPConnection | None = None
        while not self.stop.is_set():
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            sent = time.monotonic()
            try:
                conn.request("GET", PATH)
                response = conn.getresponse()
                response.read()
                result = "ok" if response.status == 200 else f"status {response.status}"
                if fresh or response.will_close:
                    conn.close()
                    conn = None
            except Exception as exc:
                result = _classify(exc)
                conn.close()
                conn = None
            self.outcomes.append(Outcome(sent, time.monotonic(), result, reused))
            if result == "refused":
                time.sleep(0.01)
        if conn is not None:
            conn.close()


def _slow_request(port: int, outcomes: list[Outcome], hold: float) -> None:
    """A request whose head takes `hold` seconds to arrive: it keeps a thread busy meanwhile."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    sent = time.monotonic()
    try:
        conn.connect()
        assert conn.sock is not None
        conn.sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        time.sleep(hold)
        conn.sock.sendall(b"\r\n")
        response = http.client.HTTPResponse(conn.sock)
        response.begin()
        response.read()
        result = "ok" if response.status == 200 else f"status {response.status}"
    except Exception as exc:
        result = _classify(exc)
    finally:
        conn.close()
    outcomes.append(Outcome(sent, time.monotonic(), result))


def _occupy_threads(port: int, outcomes: list[Outcome], hold: float) -> list[threading.Thread]:
    """Slow requests, so that at the signal each worker's only thread is busy and new
    connections are queued on its socket."""
    threads = [
        threading.Thread(target=_slow_request, args=(port, outcomes, hold), daemon=True)
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    return threads


FRESH_CLIENTS = 16  # client threads that open a new connection per request, one at a time
# One thread per worker, so that connections queue on each worker's socket.
SERVER = {"GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "1", "GUNICORN_GRACEFUL_TIMEOUT": "10"}


CLOSED_AT = re.compile(
    r"drain: listening socket .*: last accept at monotonic (\d+\.\d+), closed by (\d+\.\d+)"
)
# How long before a worker's last accept() a reset connection may have been opened (its
# client thread may be descheduled between reading the clock and connecting) and still count
# as arriving in the moment between that accept() and the close() of its socket.
CLOSE_WINDOW = 0.1


def _close_windows(log: str) -> list[tuple[float, float]]:
    """Each drained socket's (last accept, closed by) times, from the worker's log line."""
    return [(float(start), float(end)) for start, end in CLOSED_AT.findall(log)]


def _in_close_window(outcome: Outcome, windows: list[tuple[float, float]]) -> bool:
    """Opened before the socket was closed and reset after its last accept began: a fresh
    connection that arrived in that moment (the kernel resets it on close)."""
    return any(
        start - CLOSE_WINDOW <= outcome.sent <= end and outcome.done >= start
        for start, end in windows
    )


def test_sigterm_answers_every_request_it_took_and_resets_none(tmp_path):
    with gunicorn({**SERVER, "GUNICORN_LOGLEVEL": "info"}, tmp_path / "gunicorn.log") as (
        master,
        port,
    ):
        with Clients(port, fresh=FRESH_CLIENTS, kept_alive=8) as clients:
            time.sleep(1.0)
            slow = _occupy_threads(port, clients.outcomes, hold=1.0)
            signalled = time.monotonic()
            master.send_signal(signal.SIGTERM)
            master.wait(timeout=30)
            for thread in slow:
                thread.join(timeout=10)
            time.sleep(0.3)  # the clients see the listeners gone
        log = (tmp_path / "gunicorn.log").read_text()

    before = [o for o in clients.outcomes if o.sent < signalled]
    waiting_at_signal = [o for o in before if o.done > signalled]
    failed_before = [o for o in before if o.result != "ok"]
    windows = _close_windows(log)
    after = Counter(
        (o.result, "kept-alive" if o.reused else "fresh")
        for o in clients.outcomes
        if o.sent >= signalled and not (o.result == "reset" and _in_close_window(o, windows))
    )
    resets = [o for o in clients.outcomes if o.sent >= signalled and o.result == "reset"]
    assert len(before) > 100, log
    # The test means something only if requests were queued or in flight at the signal.
    assert len(waiting_at_signal) >= 8, waiting_at_signal
    assert failed_before == [], f"{len(failed_before)} of {len(before)} failed: {failed_before[:5]}"
    # After the signal: answered while the workers finish, then refused once they are gone. A
    # request sent on a kept-alive connection just as the stopping worker closes it idle was
    # never taken: that is HTTP/1.1's close race (RFC 9112 section 9.3.1, clients retry), seen
    # 3 times in ~5,000 on a loaded machine. A new connection is reset only if it arrived in
    # the moment between a worker's last accept() and the close of its socket
    # (config/gunicorn_worker.py), never while the worker finishes its requests. How many
    # arrive then depends on how long the worker is descheduled in that moment (none in most
    # runs, once 5 within 6 ms on this 2-core machine): at most one per fresh client.
    assert len(windows) == 2, log
    assert len(resets) <= FRESH_CLIENTS * len(windows), resets
    assert set(after) <= {("ok", "fresh"), ("ok", "kept-alive"), ("refused", "fresh")}, (
        after,
        resets,
        windows,
    )
    assert after["refused", "fresh"] > 0, after
    assert master.returncode == 0


def test_a_reload_answers_every_request(tmp_path):
    """SIGHUP: new workers start, the old ones stop; no client sees a failure meanwhile but
    for the drain's one unavoidable moment per old worker (as in the SIGTERM test above)."""
    with gunicorn({**SERVER, "GUNICORN_LOGLEVEL": "info"}, tmp_path / "gunicorn.log") as (
        master,
        port,
    ):
        old_workers = set(children_of(master.pid))
        with Clients(port, fresh=FRESH_CLIENTS, kept_alive=8) as clients:
            time.sleep(1.0)
            slow = _occupy_threads(port, clients.outcomes, hold=1.0)
            signalled = time.monotonic()
            master.send_signal(signal.SIGHUP)
            for thread in slow:
                thread.join(timeout=10)
            time.sleep(3.0)
        deadline = time.monotonic() + 20
        while old_workers & set(children_of(master.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        new_workers = set(children_of(master.pid))
        log = (tmp_path / "gunicorn.log").read_text()

    after = [o for o in clients.outcomes if o.sent >= signalled]
    windows = _close_windows(log)
    # A new connection that arrived between an old worker's last accept() and the close of
    # its socket is reset (seen once in ~2,800 requests in `make test`), as in the SIGTERM
    # test; any other failure, or a reset outside that moment, is a regression.
    in_window = [
        o
        for o in clients.outcomes
        if o.result == "reset" and not o.reused and _in_close_window(o, windows)
    ]
    failed = [o for o in clients.outcomes if o.result != "ok" and o not in in_window]
    assert old_workers and new_workers and not old_workers & new_workers, log
    assert len(after) > 100, log
    assert len(windows) == int(SERVER["GUNICORN_WORKERS"]), log  # each old worker once
    assert len(in_window) <= FRESH_CLIENTS * len(windows), in_window
    assert failed == [], f"{len(failed)} of {len(clients.outcomes)} failed: {failed[:5]}\n{log}"


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children
