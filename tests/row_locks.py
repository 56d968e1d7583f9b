"""Row locks held by another connection, for tests of what a transaction does behind them."""

import threading
import time

from django.db import connection, transaction


class RowLocker(threading.Thread):
    """Holds row locks in its own connection and transaction until told to let go.

    As a context manager: the locks are held inside the `with` block.
    """

    def __init__(self, *statements: tuple[str, list[object]]) -> None:
        super().__init__(daemon=True)
        self.statements = statements
        self.locked = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for sql, params in self.statements:
                    cursor.execute(sql, params)
                self.locked.set()
                self.release.wait(timeout=30)
        except BaseException as exc:
            self.error = exc
            self.locked.set()
        finally:
            connection.close()

    def __enter__(self) -> "RowLocker":
        self.start()
        assert self.locked.wait(timeout=10)
        assert self.error is None, self.error
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self.join(timeout=10)


def wait_until_waiting_on_a_lock(  # type: ignore[no-untyped-def]
    cursor, pid: int, *, what: str = "the transaction under test"
) -> None:
    """Return once the server process `pid` waits for a lock (asked through `cursor`)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.005)
    raise AssertionError(f"{what} never waited for the lock")


def backend_pid() -> int:
    """The PostgreSQL server process of this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])
