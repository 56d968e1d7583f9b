"""A database that is down, restarted or too slow answers 503 + Retry-After, never a 500 page.

The failures are real: the connection points at a port where nothing listens, or its server
process is ended with pg_terminate_backend (what a restart does to it), or a table is locked
by another connection.
"""

import json
import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection, connections
from django.test import Client, RequestFactory
from django.urls import get_resolver
from rest_framework.authtoken.models import Token

from tests.config.gunicorn_helpers import free_port
from tests.factories import SlotFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_down():  # type: ignore[no-untyped-def]
    """The default connection points at a loopback port where nothing listens."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["PORT"] = str(free_port())
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def assert_unavailable(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == "unavailable"
    assert body["detail"]
    assert response["Retry-After"] == "2"


def test_a_drf_view_answers_503_unavailable_while_the_database_refuses_connections(
    database_down,
):
    assert_unavailable(Client().get("/api/v1/venues/"))


def test_a_booking_with_a_token_answers_503_unavailable_while_the_database_is_down(resident, court):
    """The fast booking path (no DRF dispatch) fails in the same way."""
    slot = SlotFactory(resource=court)
    token = Token.objects.create(user=resident).key
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        response = Client().post(
            "/api/v1/bookings/",
            {"slot": slot.pk, "party_size": 1},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY="outage-1",
        )
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert_unavailable(response)


def test_a_calendar_feed_answers_503_unavailable_as_json(database_down):
    assert_unavailable(Client().get("/calendar/events.ics"))


def test_a_page_answers_a_plain_503_page(database_down):
    response = Client().get("/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "2"
    page = response.content.decode()
    assert "暂时无法服务" in page and "Temporarily unavailable" in page
    assert "<script" not in page and "<style" not in page and "style=" not in page


def test_a_connection_ended_by_the_server_answers_503_then_the_next_request_reconnects(venue):
    """pg_terminate_backend ends the server process as a restart does; the request on that
    connection gets 503, and the request after it a new connection (Django drops a broken
    connection when a request ends)."""
    client = Client()
    assert client.get("/api/v1/venues/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.02)
    finally:
        other.close()
    assert_unavailable(client.get("/api/v1/venues/"))
    close_old_connections()  # what the end of a request does (the test client skips it)
    assert client.get("/api/v1/venues/").status_code == 200


def handler500(request):  # type: ignore[no-untyped-def]
    """What Django calls when a middleware (not a view) raises: the URLconf's handler500."""
    return get_resolver().resolve_error_handler(500)(request)


def test_a_failure_in_a_middleware_is_a_503_too(database_down):
    request = RequestFactory().get("/api/v1/bookings/")
    try:
        connection.ensure_connection()
    except OperationalError:
        response = handler500(request)
    assert_unavailable(response)


def test_any_other_500_under_the_api_is_json():
    request = RequestFactory().get("/api/v1/bookings/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = handler500(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "server_error"


# --- slow database: statement timeout -----------------------------------------------------


def test_connections_have_a_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"


def test_schema_changes_run_without_the_statement_timeout():
    with connection.schema_editor(), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"


class TableLocker(threading.Thread):
    """Holds an ACCESS EXCLUSIVE lock on a table in its own connection until released."""

    def __init__(self, table: str) -> None:
        super().__init__(daemon=True)
        self.table = table
        self.locked = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        conn = connections.create_connection("default")
        try:
            with conn.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(f"LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE")
                self.locked.set()
                self.release.wait(timeout=30)
                cursor.execute("ROLLBACK")
        finally:
            self.locked.set()
            conn.close()


def test_a_statement_past_the_statement_timeout_answers_503_busy(venue):
    client = Client()
    assert client.get("/api/v1/venues/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 300")  # the setting's 5 s, shortened
    locker = TableLocker("venues_venue")
    locker.start()
    try:
        assert locker.locked.wait(timeout=10)
        started = time.monotonic()
        response = client.get("/api/v1/venues/")
        waited = time.monotonic() - started
    finally:
        locker.release.set()
        locker.join(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    assert response.status_code == 503, response.content[:300]
    assert response.json()["code"] == "busy"
    assert response["Retry-After"] == "1"
    assert 0.25 < waited < 3
