"""Liveness answers without dependencies; readiness follows the database, not Redis."""

import json

import pytest
from django.db import connection
from django.test import Client

from tests.config.gunicorn_helpers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_down(settings):  # type: ignore[no-untyped-def]
    """The cache (and throttles) on a Redis that is not there: a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }


def test_liveness_answers_ok_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/api/v1/health/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/api/v1/health/ready/", "/api/v1/health/?deep=1"])
def test_readiness_is_ok_with_everything_up(path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.parametrize("path", ["/api/v1/health/ready/", "/api/v1/health/?deep=1"])
def test_readiness_stays_200_while_only_redis_is_down(redis_down, path):
    """Bookings go on without Redis: a readiness check that failed would take every server
    out of service for nothing."""
    response = Client().get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["cache"].startswith("error")


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/api/v1/health/ready/", "/api/v1/health/?deep=1"])
def test_readiness_is_503_while_the_database_is_down(path):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        client = Client()
        liveness = client.get("/api/v1/health/")
        response = client.get(path)
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert liveness.status_code == 200
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["database"].startswith("error")
