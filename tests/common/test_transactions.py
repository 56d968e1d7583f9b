"""common.transactions: bounded lock waits, deadlock retries with backoff, errors by SQLSTATE.

The unit tests feed `retrying` errors shaped like Django's (a django.db error whose `__cause__`
is the driver's); the PostgreSQL tests make the server raise them for real, with a second
connection holding the locks.
"""

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from booking.exceptions import BookingBusyError
from common import transactions
from common.errors import BusyError
from events.exceptions import EventBusyError
from tests.factories import UserFactory
from tests.row_locks import RowLocker, backend_pid, wait_until_waiting_on_a_lock


class DriverError(Exception):
    """What psycopg raises: the SQLSTATE as `sqlstate` (psycopg 3) or `pgcode` (psycopg2)."""

    def __init__(self, *, sqlstate: str | None = None, pgcode: str | None = None) -> None:
        super().__init__("message text that must not matter")
        self.sqlstate = sqlstate
        self.pgcode = pgcode


class Diagnostic:
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


class DiagOnlyError(Exception):
    """A driver error that carries its SQLSTATE in `diag` only."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("")
        self.diag = Diagnostic(sqlstate)


def django_error(sqlstate: str, kind: type[Exception] = OperationalError) -> Exception:
    """A Django database error wrapping the driver's, as Django's DatabaseErrorWrapper does."""
    error = kind("wrapped")
    error.__cause__ = DriverError(sqlstate=sqlstate)
    return error


def failing(*errors: Exception, result: str = "done") -> tuple[Callable[[], str], list[int]]:
    """Work that raises `errors` one per call, then returns `result`; and its call log."""
    calls: list[int] = []

    def work() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return work, calls


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff pauses `retrying` asks for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(transactions.time, "sleep", asked.append)
    return asked


# --- recognising errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (DriverError(sqlstate="40P01"), "40P01"),
        (DriverError(pgcode="55P03"), "55P03"),
        (DiagOnlyError("40001"), "40001"),
        (ValueError("not a database error"), None),
    ],
)
def test_sqlstate_is_read_from_the_driver_error_django_wraps(cause, expected):  # type: ignore[no-untyped-def]
    error = OperationalError("deadlock detected")  # the text is never looked at
    error.__cause__ = cause
    assert transactions.sqlstate(error) == expected


def test_contention_is_recognised_by_code_not_by_message():
    assert transactions.is_contention(django_error("40P01"))
    assert transactions.is_contention(django_error("55P03"))
    assert transactions.is_contention(django_error("40001"))
    assert not transactions.is_contention(django_error("57014"))  # statement_timeout
    assert not transactions.is_contention(django_error("23505", IntegrityError))
    assert not transactions.is_contention(OperationalError("deadlock detected; database is locked"))
    assert transactions.is_retryable(django_error("40P01"))
    assert transactions.is_retryable(django_error("40001"))
    assert not transactions.is_retryable(django_error("55P03"))


def test_sqlite_s_busy_database_is_contention(tmp_path: Path):
    """A real SQLITE_BUSY from a second writer, wrapped as Django wraps it."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as excinfo:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        waiter.close()
    error = OperationalError(str(excinfo.value))
    error.__cause__ = excinfo.value
    assert transactions.is_contention(error)
    assert not transactions.is_retryable(error)
    other = sqlite3.OperationalError("no such table: t")
    wrapped = OperationalError(str(other))
    wrapped.__cause__ = other
    assert not transactions.is_contention(wrapped)


# --- retrying ------------------------------------------------------------------------------


def test_a_deadlock_is_retried_and_the_work_s_result_returned(pauses, caplog):  # type: ignore[no-untyped-def]
    work, calls = failing(django_error("40P01"))
    with caplog.at_level(logging.WARNING, logger="common.transactions"):
        assert transactions.retrying(work, busy=BusyError, what="a test transaction") == "done"
    assert calls == [1, 2]
    assert len(pauses) == 1
    assert "deadlock in a test transaction, retry 1" in caplog.text


def test_a_serialization_failure_is_retried_too(pauses, caplog):  # type: ignore[no-untyped-def]
    work, calls = failing(django_error("40001"), django_error("40001"))
    with caplog.at_level(logging.WARNING, logger="common.transactions"):
        assert transactions.retrying(work, busy=BusyError) == "done"
    assert calls == [1, 2, 3]
    assert "serialization failure in a transaction, retry 2" in caplog.text


def test_deadlocks_past_the_attempts_become_the_callers_busy_error(pauses):  # type: ignore[no-untyped-def]
    deadlocks = [django_error("40P01") for _ in range(transactions.ATTEMPTS)]
    work, calls = failing(*deadlocks)
    with pytest.raises(EventBusyError) as excinfo:
        transactions.retrying(work, busy=EventBusyError)
    assert calls == list(range(1, transactions.ATTEMPTS + 1))
    assert len(pauses) == transactions.ATTEMPTS - 1
    assert excinfo.value.__cause__ is deadlocks[-1]
    # The same code and status as before: 409 `busy` with Retry-After.
    assert excinfo.value.code == "busy"
    assert isinstance(excinfo.value, BusyError)


def test_a_lock_timeout_is_busy_at_once_without_a_retry(pauses):  # type: ignore[no-untyped-def]
    timeout = django_error("55P03")
    work, calls = failing(timeout)
    with pytest.raises(BookingBusyError) as excinfo:
        transactions.retrying(work, busy=BookingBusyError)
    assert calls == [1]
    assert pauses == []
    assert excinfo.value.__cause__ is timeout


@pytest.mark.parametrize(
    "error",
    [
        django_error("23505", IntegrityError),  # unique_violation: the caller's to judge
        django_error("57014"),  # query_canceled by statement_timeout: not a lock conflict
        ValueError("not from the database"),
    ],
)
def test_other_errors_reach_the_caller_unchanged(error, pauses):  # type: ignore[no-untyped-def]
    work, calls = failing(error)
    with pytest.raises(type(error)) as excinfo:
        transactions.retrying(work, busy=BusyError)
    assert excinfo.value is error
    assert calls == [1]
    assert pauses == []


def test_the_backoff_doubles_with_jitter_and_is_bounded():
    for attempt in range(1, 10):
        ceiling = min(transactions.BACKOFF_MAX, transactions.BACKOFF_FIRST * 2 ** (attempt - 1))
        drawn = {transactions.backoff(attempt) for _ in range(50)}
        assert all(ceiling / 4 <= pause <= ceiling for pause in drawn)
        assert len(drawn) > 1  # random: two deadlocked transactions do not retry in lockstep
    assert transactions.backoff(50) <= transactions.BACKOFF_MAX


# --- bounded_atomic ------------------------------------------------------------------------


@pytest.mark.django_db
def test_off_postgresql_bounding_lock_waits_is_a_no_op(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with CaptureQueriesContext(connection) as queries, transactions.bounded_atomic():
        transactions.set_lock_timeout()
    assert not [q["sql"] for q in queries.captured_queries if "lock_timeout" in q["sql"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bounded_atomic_sets_the_lock_timeout_from_settings_for_its_transaction_only(settings):  # type: ignore[no-untyped-def]
    settings.DB_LOCK_TIMEOUT_MS = 1234

    def lock_timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            return str(cursor.fetchone()[0])

    outside = lock_timeout()
    with transactions.bounded_atomic():
        assert lock_timeout() == "1234ms"
    assert lock_timeout() == outside != "1234ms"


# --- real conflicts on PostgreSQL, with a second connection --------------------------------


LOCK_USER_ROW = "SELECT id FROM auth_user WHERE id = %s FOR UPDATE"


def lock_user_row(user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(LOCK_USER_ROW, [user_id])


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_row_lock_held_elsewhere_answers_busy_after_the_lock_timeout(settings):  # type: ignore[no-untyped-def]
    settings.DB_LOCK_TIMEOUT_MS = 200
    user = UserFactory()
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        with transactions.bounded_atomic():
            lock_user_row(user.pk)

    with RowLocker((LOCK_USER_ROW, [user.pk])):
        started = time.monotonic()
        with pytest.raises(EventBusyError) as excinfo:
            transactions.retrying(work, busy=EventBusyError)
        waited = time.monotonic() - started
    assert transactions.sqlstate(excinfo.value.__cause__) == "55P03"
    assert calls == [1]  # a lock timeout is not retried: the row is still busy
    assert 0.15 < waited < 1.5
    transactions.retrying(work, busy=EventBusyError)  # free again: it goes through


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_retried_after_the_other_transaction_commits(settings, caplog):  # type: ignore[no-untyped-def]
    """The other transaction locks B, then A; the one under test A, then B: a cycle.

    The transaction under test checks for deadlocks first (shorter deadlock_timeout), so
    PostgreSQL aborts it; `retrying` runs it again once the other one has committed.
    """
    settings.DB_LOCK_TIMEOUT_MS = 10_000
    a, b = UserFactory(), UserFactory()
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '300ms'")
    problems: list[BaseException] = []
    b_locked = threading.Event()

    def other_transaction() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '20s'")
                cursor.execute(LOCK_USER_ROW, [b.pk])
                b_locked.set()
                wait_until_waiting_on_a_lock(cursor, pid)
                cursor.execute(LOCK_USER_ROW, [a.pk])
        except BaseException as exc:
            problems.append(exc)
            b_locked.set()
        finally:
            connection.close()

    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        with transactions.bounded_atomic():
            lock_user_row(a.pk)
            lock_user_row(b.pk)
        return "both locked"

    other = threading.Thread(target=other_transaction, daemon=True)
    other.start()
    try:
        assert b_locked.wait(timeout=10)
        with caplog.at_level(logging.WARNING, logger="common.transactions"):
            result = transactions.retrying(work, busy=EventBusyError, what="a test transaction")
    finally:
        other.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET deadlock_timeout")
    assert problems == []
    assert result == "both locked"
    assert calls == [1, 1]
    assert "deadlock in a test transaction, retry 1" in caplog.text


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_real_serialization_failure_is_retried_on_a_fresh_snapshot():  # type: ignore[no-untyped-def]
    """Under REPEATABLE READ, a row changed by a transaction that committed after this one's
    snapshot cannot be updated (40001); the retry takes a new snapshot and succeeds."""
    user = UserFactory(first_name="before")
    snapshot_taken = threading.Event()
    changed = threading.Event()
    problems: list[BaseException] = []

    def other_transaction() -> None:
        try:
            assert snapshot_taken.wait(timeout=10)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE auth_user SET first_name = 'other' WHERE id = %s", [user.pk])
        except BaseException as exc:
            problems.append(exc)
        finally:
            changed.set()
            connection.close()

    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        with transactions.bounded_atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT first_name FROM auth_user WHERE id = %s", [user.pk])
            seen = cursor.fetchone()[0]
            if len(calls) == 1:
                snapshot_taken.set()
                assert changed.wait(timeout=10)
            cursor.execute("UPDATE auth_user SET last_name = %s WHERE id = %s", [seen, user.pk])
            return str(seen)

    other = threading.Thread(target=other_transaction, daemon=True)
    other.start()
    try:
        assert transactions.retrying(work, busy=EventBusyError) == "other"
    finally:
        other.join(timeout=10)
    assert problems == []
    assert calls == [1, 1]
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("other", "other")
