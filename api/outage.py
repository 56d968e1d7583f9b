"""What the service answers while PostgreSQL or Redis is down or too slow, or while it is
overloaded: a 503 with `Retry-After` in the API's error shape, never a 500 page.

| trouble | code | status | Retry-After |
|---|---|---|---|
| a connection to PostgreSQL (or Redis) failed or broke: restart, outage, refused connect | `unavailable` | 503 | 2 |
| a statement ran into `statement_timeout` or a lock timeout, or a deadlock, outside the booking service (which answers 409 `busy` itself) | `busy` | 503 | 1 |
| the request waited longer than `SHED_QUEUE_WAIT_MS` for a server thread | `busy` | 503 | 2 |

Paths under /api/ and /calendar/ get JSON `{"code", "detail"}`; pages get the plain
`frontend/503.html`, rendered without the request (its context processors would query the
database). `OutageMiddleware.process_exception` answers for views (DRF's included: their
handler leaves these errors to Django); `server_error` (handler500) for what fails in a
middleware. Liveness (`GET /api/v1/health/`) is never shed: it answers while the threads are busy.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults
from rest_framework.renderers import JSONRenderer

from api.exceptions import error_body

logger = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/calendar/")
HEALTH_PREFIX = "/api/v1/health/"
# Seconds the request waited for a thread, set by config.gunicorn_worker.ThreadWorker.
QUEUE_WAIT_KEY = "luohu.queue_wait"

# PostgreSQL's codes for "this took too long", whatever the server's state: query_canceled
# (statement_timeout), lock_not_available (lock_timeout), deadlock_detected.
SQLSTATE_BUSY = frozenset({"57014", "55P03", "40P01"})
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
)


@dataclass(frozen=True)
class Trouble:
    code: str
    detail: str
    retry_after: int
    status: int = 503


UNAVAILABLE = Trouble(
    "unavailable",
    "服务暂时不可用，请稍后重试。The service is temporarily unavailable; try again shortly.",
    retry_after=2,
)
BUSY = Trouble(
    "busy", "系统繁忙，请稍后重试。The server is busy; try again shortly.", retry_after=1
)
# Shed from a queue over a second long: a retry two seconds later finds it drained, where one
# after a second would join the same queue.
SHED = Trouble(BUSY.code, BUSY.detail, retry_after=2)

_renderer = JSONRenderer()


def classify(exc: BaseException) -> Trouble | None:
    """BUSY for a timeout or deadlock, UNAVAILABLE for a failed connection to PostgreSQL or
    Redis, None for anything else (a bug, answered 500)."""
    for error in _causes(exc):
        if getattr(error, "sqlstate", None) in SQLSTATE_BUSY:
            return BUSY
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        return BUSY  # SQLite (the quick start): another writer held the lock past the timeout
    if isinstance(exc, CONNECTION_ERRORS):
        return UNAVAILABLE
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps (Django's errors wrap psycopg's as `__cause__`)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def answer(request: HttpRequest, trouble: Trouble) -> HttpResponse:
    """The 503 (JSON for the API and the feeds, the plain page otherwise)."""
    headers = {"Retry-After": str(trouble.retry_after)}
    if request.path.startswith(JSON_PREFIXES):
        body = _renderer.render(error_body(trouble.code, trouble.detail))
        response = HttpResponse(
            body, status=trouble.status, content_type="application/json", headers=headers
        )
    else:
        page = loader.render_to_string("frontend/503.html", {"trouble": trouble})
        response = HttpResponse(page, status=trouble.status, headers=headers)
    # Logged here, a line every few seconds (_Tally), not by Django once per response: during
    # an outage or an overload that would be thousands of error lines a second.
    response._has_been_logged = True  # type: ignore[attr-defined]
    # CommonMiddleware, which sets it on other answers, comes after the shedding.
    response["Content-Length"] = str(len(response.content))
    return response


class _Tally:
    """Counts events of one kind and logs at most one line every `every` seconds."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.count = 0
        self.next_log = 0.0
        self.lock = threading.Lock()

    def add(self, message: str, *args: object) -> None:
        now = time.monotonic()
        with self.lock:
            self.count += 1
            if now < self.next_log:
                return
            count, self.count = self.count, 0
            self.next_log = now + self.every
        logger.warning(message + " (%d since the last such line)", *args, count)


_failures = _Tally()
_shed = _Tally()


def _log(request: HttpRequest, exc: BaseException, trouble: Trouble) -> None:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    _failures.add(
        "%s %s answered 503 %s: %s: %s",
        request.method,
        request.path,
        trouble.code,
        type(exc).__name__,
        first_line,
    )


class OutageMiddleware:
    """Sheds requests that waited too long for a thread; answers 503 for an outage."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.max_queue_wait = settings.SHED_QUEUE_WAIT_MS / 1000

    def __call__(self, request: HttpRequest) -> HttpResponse:
        waited = request.META.get(QUEUE_WAIT_KEY)
        if (
            waited is not None
            and self.max_queue_wait > 0
            and waited > self.max_queue_wait
            and not request.path_info.startswith(HEALTH_PREFIX)
        ):
            # Its client has waited long already, and every request behind it longer: a quick
            # refusal now empties the queue faster than an answer that may come too late.
            _shed.add("%s %s shed after %.2f s in the queue", request.method, request.path, waited)
            return answer(request, SHED)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        trouble = classify(exception)
        if trouble is None:
            return None
        _log(request, exception, trouble)
        return answer(request, trouble)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage in a middleware is a 503 too; any 500 under /api/ is JSON."""
    exc = sys.exc_info()[1]
    trouble = classify(exc) if exc is not None else None
    if trouble is not None and exc is not None:
        _log(request, exc, trouble)
        return answer(request, trouble)
    if request.path.startswith(JSON_PREFIXES):
        body = _renderer.render(
            error_body("server_error", "服务器内部错误。Internal server error.")
        )
        return HttpResponse(body, status=500, content_type="application/json")
    return defaults.server_error(request)
