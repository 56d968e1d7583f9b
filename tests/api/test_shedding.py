"""A request that waited too long for a server thread is answered 503 `busy` at once; liveness
never is. gunicorn's worker (config/gunicorn_worker.py) puts the wait into the environ as
`luohu.queue_wait`; tests/config/test_gunicorn_queue.py measures it through a real server."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

WAITED_LONG = {"luohu.queue_wait": 1.5}  # SHED_QUEUE_WAIT_MS is 1000 by default


def test_an_api_request_that_waited_too_long_is_shed_with_503_busy(venue):
    response = Client().get("/api/v1/venues/", **WAITED_LONG)
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert json.loads(response.content)["code"] == "busy"


def test_a_booking_that_waited_too_long_is_shed_before_it_reaches_the_database(
    resident, court, django_assert_num_queries
):
    client = Client()
    client.force_login(resident)
    with django_assert_num_queries(0):
        response = client.post(
            "/api/v1/bookings/", {"slot": 1}, content_type="application/json", **WAITED_LONG
        )
    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "busy"


def test_a_page_that_waited_too_long_gets_the_plain_503_page(venue):
    response = Client().get("/", **WAITED_LONG)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Temporarily unavailable" in response.content.decode()


def test_liveness_and_readiness_are_never_shed(venue):
    client = Client()
    assert client.get("/api/v1/health/", **WAITED_LONG).json() == {"status": "ok"}
    assert client.get("/api/v1/health/?deep=1", **WAITED_LONG).status_code == 200


def test_a_short_wait_is_served(venue):
    assert Client().get("/api/v1/venues/", **{"luohu.queue_wait": 0.2}).status_code == 200


def test_shedding_can_be_switched_off(venue, settings):
    settings.SHED_QUEUE_WAIT_MS = 0  # read when a client's handler builds the middleware
    assert Client().get("/api/v1/venues/", **WAITED_LONG).status_code == 200
