"""gunicorn's threaded worker, stopped without dropping connections and timing its queue.

`config/gunicorn.py` selects it for `make serve` (GUNICORN_WORKER_CLASS=gthread, the default).
It adds two things to `gunicorn.workers.gthread.ThreadWorker`:

**A stop that drops nothing.** With SO_REUSEPORT every worker listens on a socket of its own,
and the kernel keeps handing new connections to that socket until it is closed. gunicorn's
worker, told to stop (SIGTERM from the master on shutdown, on a reload with SIGHUP, after
`max_requests`), stops polling its socket at once but closes it only when its last request is
done: every connection queued there meanwhile, including requests sent before the signal, was
reset on close (13 in one restart in the fault bench; tests/config/test_gunicorn_drain.py).
This worker, once stopping:
1. keeps accepting for `GUNICORN_DRAIN_SECONDS` (1 s by default) and answers what arrives with
   `Connection: close`: on a reload, the new workers' sockets are listening by then, and a load
   balancer has a moment to notice;
2. then accepts whatever is still queued on its socket and closes the socket, so the kernel
   sends every later connection to the other workers (or refuses it when the whole server
   stops), never to a socket about to disappear;
3. then finishes every accepted request, as gunicorn does, within `graceful_timeout`.
A worker killed outright (SIGKILL, a crash) still loses what was queued on its socket: the
kernel can hand those to the other workers only with `net.ipv4.tcp_migrate_req = 1`
(docs/deploy.md).

**Liveness while the threads are held.** A thread may wait seconds on the database (a row lock
held elsewhere, up to DB_LOCK_TIMEOUT_MS; a statement, up to DB_STATEMENT_TIMEOUT_MS), and
then a liveness probe queued behind it waits as long: with hot rows locked for 10 s, probes
timed out and servers that were merely busy looked dead. While every thread of the worker has
a request and one of them has been on its request for longer than STUCK_AFTER, or one was
within the last HELD_MEMORY seconds (a request queued now may well wait behind such a one), a
request that is exactly a liveness probe (`GET /api/v1/health/`, its head complete in the
socket) is answered by the worker's main thread, through the same WSGI application, instead of
being queued. In a rush of millisecond requests (the benchmarks' trivial endpoint included) no
request takes that long, and probes queue as before. Anything else still queues (and is shed
by its wait, below). Liveness still goes through Django in this process: it proves that the
process answers, not that its database does (that is readiness).

**The time a request waited for a thread.** Each request's wait between its connection
becoming readable and a thread taking it up goes into the WSGI environ as `luohu.queue_wait`
(seconds), where `api.outage.OutageMiddleware` sheds it with 503 `busy` once the wait shows the
queue is too long for a useful answer (docs/deploy.md, "Overload").
"""

import os
import selectors
import socket
import threading
import time
from concurrent import futures
from functools import partial
from typing import Any

from gunicorn.workers import gthread  # type: ignore[import-untyped]

# Read by api.outage.OutageMiddleware.
QUEUE_WAIT_ENVIRON_KEY = "luohu.queue_wait"
# A liveness probe, as the main thread recognises it in a peek at the socket (no query
# string: `?deep=1` is readiness, which queries the database and never runs here).
LIVENESS_HEAD = b"GET /api/v1/health/ HTTP/1."
# A request on a thread for longer than this holds the pool (one of the booking rush takes
# milliseconds); for HELD_MEMORY seconds after one, the pool counts as held while every
# thread is busy, since the next thread to free up may well take up another such request.
STUCK_AFTER = 0.2
HELD_MEMORY = 2.0

_current = threading.local()


def _drain_seconds() -> float:
    value = os.environ.get("GUNICORN_DRAIN_SECONDS", "").strip()
    return float(value) if value else 1.0


class ThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pool thread id -> when it took up its current connection.
        self.busy_since: dict[int, float] = {}
        self.held_until = 0.0

    def enqueue_req(self, conn: Any) -> None:
        conn.enqueued_at = now = time.monotonic()
        if self._pool_held(now) and self._answered_here(conn):
            return
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        """Runs in a pool thread: note how long the connection waited for it."""
        thread = threading.get_ident()
        self.busy_since[thread] = now = time.monotonic()
        try:
            _current.queue_wait = now - conn.enqueued_at
            return super().handle(conn)
        finally:
            del self.busy_since[thread]
            if (done := time.monotonic()) - now > STUCK_AFTER:
                self.held_until = done + HELD_MEMORY

    def _pool_held(self, now: float) -> bool:
        """Whether a request queued now would wait behind a thread held on its request."""
        started = list(self.busy_since.values())  # a copy: the pool threads change it
        return len(started) >= self.cfg.threads and (
            now - min(started) > STUCK_AFTER or now < self.held_until
        )

    def _answered_here(self, conn: Any) -> bool:
        """Answer a liveness probe in this (the main) thread; False to queue `conn` as usual.

        A new connection whose request has not arrived yet waits in the poller (gunicorn's
        pending connections) and comes back here once readable.
        """
        if self.cfg.is_ssl or conn.is_http2:
            return False
        if conn.parser is not None and conn.parser.unreader.buf.getvalue():
            return False  # a pipelined request already read from the socket
        try:
            head = conn.sock.recv(len(LIVENESS_HEAD) + 4096, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            if conn.initialized or conn.data_ready:
                return False
            conn.sock.setblocking(False)
            conn.timeout = time.monotonic() + self.cfg.keepalive
            self.pending_conns.append(conn)
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
            )
            return True
        except OSError:
            return False
        if not head.startswith(LIVENESS_HEAD) or b"\r\n\r\n" not in head:
            return False
        # The whole head is in the socket and a GET has no body: reading it cannot block.
        _current.queue_wait = 0.0
        done: futures.Future[Any] = futures.Future()
        done.set_result(gthread.ThreadWorker.handle(self, conn))
        self.finish_request(conn, done)
        return True

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app: Any = self.wsgi  # type: ignore[has-type]  # (gunicorn is untyped)

        def timed(environ: dict[str, Any], start_response: Any) -> Any:
            environ[QUEUE_WAIT_ENVIRON_KEY] = getattr(_current, "queue_wait", 0.0)
            return app(environ, start_response)

        self.wsgi = timed

    def set_accept_enabled(self, enabled: bool) -> None:
        """`run()` calls this with False once the worker stops: drain and close the sockets
        first (steps 1 and 2 above). Otherwise (too many connections) as gunicorn does."""
        if not enabled and not self.alive and len(self.sockets):
            self._keep_accepting(_drain_seconds())
            super().set_accept_enabled(False)
            self._accept_queued_and_close()
            return
        super().set_accept_enabled(enabled)

    def _keep_accepting(self, seconds: float) -> None:
        """Serve as before for a while, the listening sockets still polled (step 1)."""
        if not self._accepting:  # at worker_connections: nothing more may be accepted
            return
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.notify()
            self.wait_for_and_dispatch_events(timeout=min(left, 1.0))
            self.murder_keepalived()
            self.murder_pending()

    def _accept_queued_and_close(self) -> None:
        """Accept every connection already queued on the sockets, then close them (step 2).

        Between the last `accept()` and `close()` a new connection may still arrive and be
        reset: a window of microseconds instead of the whole graceful stop. Linux offers no way
        to close it from user space for the last socket of a port (only the root-only
        `net.ipv4.tcp_migrate_req`, docs/deploy.md). The log line gives that window on the
        system-wide monotonic clock, from just before the last `accept()` to just after the
        `close()` (on a busy machine the worker may be descheduled in between, for
        milliseconds), so that a test can tell it from a regression.
        """
        listeners: list[Any] = self.sockets  # type: ignore[has-type]
        for listener in listeners:
            listener.setblocking(False)
            name = listener.getsockname()
            while True:
                last_accept = time.monotonic()
                try:
                    client, address = listener.accept()
                except OSError:  # BlockingIOError: nothing (more) queued
                    break
                self.nr_conns += 1
                client.setblocking(True)
                self.enqueue_req(gthread.TConn(self.cfg, client, address, name))
            listener.close()
            self.log.info(
                "drain: listening socket %s: last accept at monotonic %.6f, closed by %.6f",
                name,
                last_accept,
                time.monotonic(),
            )
        self.sockets = list[Any]()
