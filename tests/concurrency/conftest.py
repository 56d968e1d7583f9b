from collections.abc import Iterator

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread


class RushWSGIServer(ThreadedWSGIServer):
    # Django's test server listens with a backlog of 10: 50 clients connecting at once overflow
    # it and get connection resets before any request is read. Production servers listen with
    # a backlog in the thousands (gunicorn: 2048).
    request_queue_size = 128


class RushServerThread(LiveServerThread):
    server_class = RushWSGIServer


@pytest.fixture
def rush_server(transactional_db: None) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """pytest-django's `live_server` (Django's threaded test server, one thread and one database
    connection per request) with a listen backlog that takes a rush; yields its base URL."""
    thread = RushServerThread("127.0.0.1", StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
