"""GET /api/v1/me/calendar/ and POST /api/v1/me/calendar/rotate/"""

import pytest
from django.conf import settings

from events import selectors

pytestmark = pytest.mark.django_db


def test_first_call_creates_the_token_and_later_calls_return_it(resident, resident_client):
    first = resident_client.get("/api/v1/me/calendar/")
    assert first.status_code == 200
    body = first.json()
    assert body["token_url"].startswith(f"{settings.SITE_URL}/calendar/me/")
    assert body["token_url"].endswith(".ics")
    assert body["webcal_url"].startswith("webcal://")
    assert body["webcal_url"].split("://")[1] == body["token_url"].split("://")[1]
    assert resident_client.get("/api/v1/me/calendar/").json()["token_url"] == body["token_url"]
    token = body["token_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert selectors.get_feed_token_user(token=token) == resident


def test_rotation_replaces_the_token_and_the_old_one_stops_working(resident, resident_client):
    old = resident_client.get("/api/v1/me/calendar/").json()["token_url"]
    response = resident_client.post("/api/v1/me/calendar/rotate/")
    assert response.status_code == 200
    new = response.json()["token_url"]
    assert new != old and response.json()["rotated_at"]
    old_token = old.rsplit("/", 1)[1].removesuffix(".ics")
    assert selectors.get_feed_token_user(token=old_token) is None
    assert resident_client.get("/api/v1/me/calendar/").json()["token_url"] == new


def test_anonymous_callers_are_401(api_client):
    assert api_client.get("/api/v1/me/calendar/").status_code == 401
    assert api_client.post("/api/v1/me/calendar/rotate/").status_code == 401
