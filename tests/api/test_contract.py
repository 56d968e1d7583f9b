"""The server keeps the contract its schema states, both ways (issue 14)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_venue_without_an_image_answers_null_not_an_empty_string(api_client, venue):
    listed = api_client.get("/api/v1/venues/").json()["results"][0]
    assert listed["image_url"] is None
    assert api_client.get(f"/api/v1/venues/{venue.pk}/").json()["image_url"] is None


def test_a_venue_image_is_answered_as_its_url(api_client, venue):
    venue.image_url = "https://img.example/court.jpg"
    venue.save()
    assert api_client.get("/api/v1/venues/").json()["results"][0]["image_url"] == (
        "https://img.example/court.jpg"
    )


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/venues/?page_size=false",
        "/api/v1/venues/?page_size=",
        "/api/v1/venues/?page=",
        "/api/v1/venues/?available_on=",
        "/api/v1/slots/?date=",
        "/api/v1/slots/?venue=",
        "/api/v1/events/?starts_after=",
    ],
)
def test_empty_or_false_typed_parameters_are_refused_with_a_code(api_client, venue, query):
    response = api_client.get(query)
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"invalid_filter", "invalid_date"}


def test_an_empty_availability_date_is_refused(api_client, venue):
    response = api_client.get(f"/api/v1/venues/{venue.pk}/availability/?date=")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"
    assert "date" in response.json()["fields"]


def test_free_text_filters_may_be_empty(api_client, venue):
    assert api_client.get("/api/v1/venues/?q=&district=").status_code == 200


def test_the_token_endpoint_takes_json_only():
    UserFactory(username="amy", password="correct horse 12")
    client = APIClient()
    form = client.post(
        "/api/v1/auth/token/",
        {"username": "amy", "password": "correct horse 12"},
        format="multipart",
    )
    assert form.status_code == 415
    assert form.json()["code"] == "unsupported_media_type"
    ok = client.post(
        "/api/v1/auth/token/", {"username": "amy", "password": "correct horse 12"}, format="json"
    )
    assert ok.status_code == 200


def test_signing_in_ignores_a_stale_token_header():
    UserFactory(username="amy", password="correct horse 12")
    client = APIClient(HTTP_AUTHORIZATION="Token deadbeef")
    response = client.post(
        "/api/v1/auth/token/", {"username": "amy", "password": "correct horse 12"}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/health/", "/api/v1/health/ready/", "/calendar/events.ics"]
)
def test_plain_endpoints_answer_another_method_with_405_not_a_csrf_page(client, path):
    assert client.generic("QUERY", path).status_code == 405
    assert client.post(path).status_code == 405
