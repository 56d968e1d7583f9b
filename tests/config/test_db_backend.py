"""common.db.postgresql: the connection health check runs after idleness, not every request."""

import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def second_connection(*, idle_limit: float):  # type: ignore[no-untyped-def]
    """A second connection to the test database, with health checks on (as in production),
    and the id of its server process; closed at the end."""
    conn = connections.create_connection("default")
    conn.settings_dict = {
        **conn.settings_dict,
        "CONN_HEALTH_CHECKS": True,
        "HEALTH_CHECK_AFTER_IDLE": idle_limit,
    }
    try:
        yield conn, backend_pid(conn)
    finally:
        conn.close()


def backend_pid(conn) -> int:  # type: ignore[no-untyped-def]
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def terminate(pid: int) -> None:
    """End a server process as a database restart would, and wait until it is gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} still running")


def test_uses_the_django_backend_underneath():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["ENGINE"] == "common.db.postgresql"


def test_an_idle_connection_is_checked_and_replaced():
    with second_connection(idle_limit=60) as (conn, pid):
        conn.last_used -= 120  # idle for two minutes
        conn.close_if_unusable_or_obsolete()  # what every request starts with
        terminate(pid)
        assert backend_pid(conn) != pid  # the health check found it dead and reconnected


def test_a_busy_connection_is_not_checked():
    """The price of skipping the check: the first query after a restart fails once."""
    with second_connection(idle_limit=60) as (conn, pid):
        conn.close_if_unusable_or_obsolete()
        terminate(pid)
        with pytest.raises(OperationalError):
            backend_pid(conn)
        conn.close_if_unusable_or_obsolete()  # the request's end drops the broken connection
        assert backend_pid(conn) != pid


def test_zero_idle_limit_checks_every_request():
    with second_connection(idle_limit=0) as (conn, pid):
        conn.close_if_unusable_or_obsolete()
        terminate(pid)
        assert backend_pid(conn) != pid
