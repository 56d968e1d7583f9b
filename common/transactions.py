"""Transactions that take row locks: bounded lock waits, deadlocks retried, contention as `busy`.

The one recipe the booking and events services share (docs/architecture.md, "Locking recipe"):

- `bounded_atomic()` opens the transaction and sets `SET LOCAL lock_timeout` to
  settings.DB_LOCK_TIMEOUT_MS, so a queue behind a hot row gives up (lock_not_available) instead
  of holding a server thread for as long as the row stays locked. A hot path that cannot afford
  the extra round trip bounds its waits in its own first statement with `lock_timeout_ms()`
  (booking/locking.py). SQLite has no row locks: there it is a plain atomic block.
- `retrying()` runs such a transaction and maps what contention raises to the caller's busy
  error (`common.errors.BusyError`: 409 `busy` with Retry-After in the API). After a deadlock or
  a serialization failure PostgreSQL has rolled the whole transaction back (nothing was
  written), so it is run again, a bounded number of times, after a random pause that doubles
  each time: two transactions that deadlocked once must not meet again in lockstep.

Errors are recognised by their SQLSTATE (PostgreSQL) or result code (SQLite), never by message
text, which changes with the server's version and `lc_messages`.
"""

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from common.errors import BusyError

logger = logging.getLogger(__name__)

# PostgreSQL's SQLSTATEs (Appendix A, "PostgreSQL Error Codes").
SQLSTATE_DEADLOCK = "40P01"  # deadlock_detected: this transaction was chosen to break a cycle
SQLSTATE_SERIALIZATION_FAILURE = "40001"  # serialization_failure
SQLSTATE_LOCK_NOT_AVAILABLE = "55P03"  # lock_not_available: lock_timeout (or NOWAIT) expired
# Aborted by the server to resolve a conflict: the whole transaction is safe to run again.
RETRYABLE_SQLSTATES = frozenset({SQLSTATE_DEADLOCK, SQLSTATE_SERIALIZATION_FAILURE})
CONTENTION_SQLSTATES = RETRYABLE_SQLSTATES | {SQLSTATE_LOCK_NOT_AVAILABLE}
# SQLite's SQLITE_BUSY and SQLITE_LOCKED (the quick start): another writer kept the database
# past the connection's timeout. Extended result codes carry them in their low byte.
SQLITE_CONTENTION_CODES = frozenset({5, 6})

ATTEMPTS = 3  # runs of a transaction that keeps deadlocking, the first one included
BACKOFF_FIRST = 0.02  # seconds: the longest pause before the first retry; doubles per retry
BACKOFF_MAX = 0.2  # seconds: no pause is longer


def lock_timeout_ms() -> int:
    """How long a transaction waits for a row lock before it gives up (milliseconds)."""
    return int(settings.DB_LOCK_TIMEOUT_MS)


def set_lock_timeout(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Bound every row-lock wait of the current transaction by `lock_timeout_ms()`.

    Call it inside a transaction (SET LOCAL lasts until its end); a no-op off PostgreSQL.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # A utility statement takes no parameters: the value is an int, formatted here.
        cursor.execute(f"SET LOCAL lock_timeout = {lock_timeout_ms()}")


@contextmanager
def bounded_atomic(*, durable: bool = True, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """`transaction.atomic()` whose row-lock waits are bounded (`set_lock_timeout`).

    Durable by default: a service that owns its transaction must not run inside another, where
    its commit would not be one. `durable=False` for work that joins the caller's transaction.
    """
    with transaction.atomic(using=using, durable=durable):
        set_lock_timeout(using=using)
        yield


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, read from the driver's error that Django's wraps
    (psycopg 3: `sqlstate`, the same as `diag.sqlstate`; psycopg2: `pgcode`); None off
    PostgreSQL or for an error that carries none."""
    for error in (exc, exc.__cause__):
        if error is None:
            continue
        code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if code is None:
            code = getattr(getattr(error, "diag", None), "sqlstate", None)
        if code:
            return str(code)
    return None


def is_retryable(exc: BaseException) -> bool:
    """Whether the server aborted the transaction to resolve a conflict (deadlock or
    serialization failure): it wrote nothing and may run again."""
    return sqlstate(exc) in RETRYABLE_SQLSTATES


def is_contention(exc: BaseException) -> bool:
    """Whether the error means "others hold what this needs": a lock wait timed out, a
    deadlock, a serialization failure, or SQLite's busy database."""
    if sqlstate(exc) in CONTENTION_SQLSTATES:
        return True
    code = getattr(exc.__cause__, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in SQLITE_CONTENTION_CODES


def backoff(attempt: int) -> float:
    """The pause (seconds) before retry number `attempt` (1, 2, ...): random between a quarter
    of and the full ceiling, which starts at BACKOFF_FIRST and doubles, up to BACKOFF_MAX."""
    ceiling = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (attempt - 1))
    return random.uniform(ceiling / 4, ceiling)


def retrying[T](
    work: Callable[[], T],
    *,
    busy: Callable[[], BusyError],
    what: str = "a transaction",
    attempts: int = ATTEMPTS,
) -> T:
    """Run `work` and return its result; run it again after a deadlock or serialization failure.

    `work` opens its own transaction (usually `bounded_atomic()`; a savepoint when it joins the
    caller's) and every retry runs it from its start, so it must not have effects outside the
    database before it commits. Contention (`is_contention`) that is not retried, or is still
    there after `attempts` runs, raises `busy()` from the database error. Any other error,
    IntegrityError included, goes to the caller unchanged.
    """
    attempt = 1
    while True:
        try:
            return work()
        except DatabaseError as exc:
            if not is_contention(exc):
                raise
            if is_retryable(exc) and attempt < attempts:
                reason = (
                    "deadlock" if sqlstate(exc) == SQLSTATE_DEADLOCK else "serialization failure"
                )
                logger.warning("%s in %s, retry %d", reason, what, attempt)
                time.sleep(backoff(attempt))
                attempt += 1
                continue
            raise busy() from exc
