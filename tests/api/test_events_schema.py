"""The event, registration and personal-calendar endpoints are documented in OpenAPI."""

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api.urls import v1

pytestmark = pytest.mark.django_db

OURS = ("events/", "registrations/", "me/calendar")


def _schema() -> dict:
    patterns = [p for p in v1 if str(p.pattern).startswith(OURS)]
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include(patterns))])
    return generator.get_schema(request=None, public=True)


def test_schema_is_valid_and_generated_without_warnings():
    schema = _schema()
    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache
    assert set(schema["paths"]) == {
        "/api/v1/events/",
        "/api/v1/events/{id}/",
        "/api/v1/events/{id}/publish/",
        "/api/v1/events/{id}/approve/",
        "/api/v1/events/{id}/postpone/",
        "/api/v1/events/{id}/cancel/",
        "/api/v1/events/{id}/registrations/",
        "/api/v1/registrations/",
        "/api/v1/registrations/{id}/cancel/",
        "/api/v1/registrations/{id}/payment/",
        "/api/v1/registrations/{id}/pay/",
        "/api/v1/me/calendar/",
        "/api/v1/me/calendar/rotate/",
    }


def test_list_filters_and_event_fields_are_documented():
    schema = _schema()
    params = {p["name"] for p in schema["paths"]["/api/v1/events/"]["get"]["parameters"]}
    assert {"category", "venue", "starts_after", "starts_before", "q", "status", "page"} <= params
    event = schema["components"]["schemas"]["Event"]["properties"]
    assert {"calendar", "places_left", "sequence", "exdates", "rrule", "uid"} <= set(event)
    assert set(schema["paths"]["/api/v1/events/{id}/"]) >= {"get", "patch"}
    assert set(schema["paths"]["/api/v1/events/{id}/registrations/"]) >= {"get", "post"}
