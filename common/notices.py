"""Notices owed to people: the transactional outbox, its sweeper and its doorbell.

Writing: a service that makes a notice owed calls `owe()` inside its transaction (or inserts
the `Notice` row in its own statement, as the booking fast path does: booking/locking.py), so
the row exists if and only if the change committed; after the commit it calls `ring()`.

Sending: `send_due_notices()` (the Celery task `common.send_notices`, every few seconds under
beat, and `manage.py send_notices`) sends each due unsent notice through the sender its kind
registered (`register_sender`), in a transaction of its own that holds the notice's row lock
(`FOR UPDATE SKIP LOCKED`: two sweepers never send the same notice) and marks it sent before
committing. Any failure of a sender (the mail server, a database error while rendering) keeps
the notice for a later attempt, with backoff; nothing is ever dropped. Delivery is at least
once: a crash or a lost database connection after the mail backend accepted a message and
before the commit that marks it sent sends that one message once more on the next sweep.

`ring()` is only a doorbell, asking a worker to sweep now rather than at the next beat. It
never blocks the caller and never raises: the caller sets an event, and a thread of the process
publishes one sweep task (one connection attempt, short socket timeouts, no retries), at most
once per DOORBELL_INTERVAL whatever the number of rings. With the broker down the notice waits
in the database for the beat sweep. In the quick start (no broker: tasks run in-process)
`ring()` sends the due notices at once, in the caller.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from common.models import Notice

logger = logging.getLogger(__name__)

# A sender turns the notice about row `ref` into a message and hands it to the mail backend.
# It returns False when there is nothing to send (no address, the booking was cancelled
# first) and raises when sending failed: the notice is then tried again later.
Sender = Callable[[int], bool]

SWEEP_TASK = "common.send_notices"
BACKOFF_FIRST = dt.timedelta(seconds=10)  # after the first failure; doubles up to BACKOFF_MAX
BACKOFF_MAX = dt.timedelta(minutes=15)
BULK_OWE = 1000  # more notices than this at once are inserted by one statement
DOORBELL_INTERVAL = 0.5  # seconds: at most one sweep task per process in that time
PUBLISH_TIMEOUT = 0.5  # seconds: the doorbell's socket connect and read timeouts

_senders: dict[str, Sender] = {}


def register_sender(kind: str, sender: Sender) -> None:
    """Make `sender` the one that sends notices of `kind` (apps call this in `ready()`)."""
    _senders[kind] = sender


def owe(*, kind: str, refs: Iterable[int], now: dt.datetime | None = None) -> None:
    """Record that a notice of `kind` is owed about each row of `refs`, in the caller's
    transaction. A notice already owed stays as it is (one per kind and row)."""
    now = now or timezone.now()
    refs = list(refs)
    if len(refs) > BULK_OWE and connection.vendor == "postgresql":
        # Many at once (a ballot draw owes every entrant a mail): one statement, no model
        # instances; the same rows and conflicts as bulk_create below.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Notice._meta.db_table} "
                "(kind, ref, created_at, due_at, attempts, last_error, outcome) "
                "SELECT %s, r::bigint, %s, %s, 0, '', '' FROM jsonb_array_elements_text(%s::jsonb) r "
                "ON CONFLICT DO NOTHING",
                [kind, now, now, json.dumps(refs)],
            )
        return
    Notice.objects.bulk_create(
        [Notice(kind=kind, ref=ref, created_at=now, due_at=now) for ref in refs],
        ignore_conflicts=True,
    )


def ring() -> None:
    """Ask for the due notices to be sent now; call it after the commit that owed them.

    Never raises and never waits for the broker (see the module docstring).
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            send_due_notices()
        except Exception:  # the sweep logs its own failures; this is a last guard
            logger.exception("sending notices in-process failed; they stay owed")
        return
    _doorbell.ring()


def send_due_notices(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Send the unsent notices that are due (at most `limit`); return how many messages went out.

    Invariants: a notice is marked sent only after its sender returned (the mail backend
    accepted the message), in the transaction that holds its row lock, so concurrent sweeps
    never send it twice; a failed send is retried later (BACKOFF_FIRST, doubling up to
    BACKOFF_MAX), never dropped. A database error outside a sender (the connection lost) ends
    this sweep; the next one takes over. Raises nothing.
    """
    sent = 0
    for _ in range(limit):
        try:
            result = _send_next(now=now or timezone.now())
        except DatabaseError:
            logger.warning("notice sweep stopped by a database error", exc_info=True)
            break
        if result is None:
            break
        sent += result
    return sent


def _send_next(*, now: dt.datetime) -> int | None:
    """Send the next due notice nobody else is sending: 1 if a message went out, 0 if not,
    None when no notice is due."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, due_at__lte=now)
            .order_by("due_at", "id")
            .first()
        )
        if notice is None:
            return None
        try:
            # A savepoint: a sender's failed query must not poison the transaction that
            # records the failure.
            with transaction.atomic():
                sender = _senders.get(notice.kind)
                if sender is None:
                    raise LookupError(f"no sender for notices of kind {notice.kind!r}")
                delivered = sender(notice.ref)
        except Exception as exc:
            _postpone(notice, exc=exc, now=now)
            return 0
        notice.attempts += 1
        notice.sent_at = now
        notice.outcome = Notice.Outcome.SENT if delivered else Notice.Outcome.SKIPPED
        notice.save(update_fields=["attempts", "sent_at", "outcome"])
        return 1 if delivered else 0


def _postpone(notice: Notice, *, exc: Exception, now: dt.datetime) -> None:
    notice.attempts += 1
    notice.due_at = now + min(BACKOFF_FIRST * 2 ** min(notice.attempts - 1, 16), BACKOFF_MAX)
    notice.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    notice.save(update_fields=["attempts", "due_at", "last_error"])
    logger.warning(
        "notice %s of %s %s failed (attempt %d), next attempt at %s: %s",
        notice.pk,
        notice.kind,
        notice.ref,
        notice.attempts,
        notice.due_at.isoformat(),
        notice.last_error,
    )


def publish_sweep(connection: Any = None) -> None:
    """Publish one sweep task to the broker now, with short socket timeouts and no retries,
    over `connection` (a kombu connection from `broker_connection()`) or a new one. Raises
    what the broker raised."""
    from celery import current_app

    if connection is None:
        with broker_connection() as connection:
            current_app.send_task(SWEEP_TASK, connection=connection, retry=False)
        return
    current_app.send_task(SWEEP_TASK, connection=connection, retry=False)


def broker_connection() -> Any:
    """A kombu connection to the broker that tries to connect once, with short timeouts."""
    from celery import current_app

    options = {
        "max_retries": 0,
        "socket_connect_timeout": PUBLISH_TIMEOUT,
        "socket_timeout": PUBLISH_TIMEOUT,
    }
    return current_app.connection_for_write(settings.CELERY_BROKER_URL, transport_options=options)


class _Doorbell:
    """One thread per process publishes sweep tasks when rung; `ring()` only sets an event.

    The thread keeps its broker connection between rings (a new one costs about 9 ms of CPU,
    a publish over an open one a fraction of that) and drops it after any error.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._wake = threading.Event()

    def ring(self) -> None:
        if self._pid != os.getpid():  # first ring in this process (or in a forked child)
            self._start()
        self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._wake = threading.Event()
            threading.Thread(
                target=self._run, args=(self._wake,), name="notice-doorbell", daemon=True
            ).start()
            self._pid = os.getpid()

    @staticmethod
    def _run(wake: threading.Event) -> None:
        connection, url = None, ""
        while True:
            wake.wait()
            wake.clear()
            try:
                if connection is not None and url != settings.CELERY_BROKER_URL:
                    _close_quietly(connection)  # the broker was changed (tests do)
                    connection = None
                if connection is None:
                    connection, url = broker_connection(), settings.CELERY_BROKER_URL
                publish_sweep(connection)
            except Exception as exc:
                logger.warning("could not ask a worker to send notices now: %s", exc)
                if connection is not None:
                    _close_quietly(connection)
                connection = None
            time.sleep(DOORBELL_INTERVAL)


def _close_quietly(connection: Any) -> None:
    try:
        connection.release()
    except Exception:  # a connection that failed may fail to close too
        logger.debug("closing the doorbell's broker connection failed", exc_info=True)


_doorbell = _Doorbell()
