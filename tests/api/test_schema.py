import re

import pytest
from django.core.management import call_command
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api import urls
from tests.api.helpers import CONTRACT_SLOT_KEYS

READ_ROUTES = {"venue-list", "venue-detail", "venue-availability", "slot-list", "slot-detail"}


@pytest.fixture
def read_schema() -> dict:
    """The schema of the venue and slot routes alone, with the generator's complaints."""
    patterns = [path("api/v1/", include([p for p in urls.v1 if p.name in READ_ROUTES]))]
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    schema["_warnings"] = dict(GENERATOR_STATS._warn_cache)
    schema["_errors"] = dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    return schema


def test_venue_and_slot_routes_generate_a_valid_schema_without_warnings(read_schema):
    assert read_schema.pop("_warnings") == {}
    assert read_schema.pop("_errors") == {}
    validate_schema(read_schema)
    assert set(read_schema["paths"]) == {
        "/api/v1/venues/",
        "/api/v1/venues/{id}/",
        "/api/v1/venues/{id}/availability/",
        "/api/v1/slots/",
        "/api/v1/slots/{id}/",
    }


def test_filters_and_availability_parameters_are_documented(read_schema):
    def params(route: str) -> dict:
        return {p["name"]: p for p in read_schema["paths"][route]["get"]["parameters"]}

    venue_params = params("/api/v1/venues/")
    assert {"kind", "district", "sport", "q", "available_on", "page", "page_size"} <= set(
        venue_params
    )
    assert "smart_gym" in venue_params["kind"]["schema"]["enum"]
    assert venue_params["available_on"]["schema"]["format"] == "date"
    assert {"venue", "resource", "date", "available"} <= set(params("/api/v1/slots/"))
    availability = params("/api/v1/venues/{id}/availability/")
    assert availability["days"]["schema"]["maximum"] == 14
    assert availability["date"]["schema"]["format"] == "date"
    assert availability["id"]["schema"]["type"] == "integer"
    responses = read_schema["paths"]["/api/v1/venues/{id}/availability/"]["get"]["responses"]
    assert {"200", "400", "404"} <= set(responses)


def test_availability_component_carries_the_contract_fields(read_schema):
    components = read_schema["components"]["schemas"]
    assert set(components["Availability"]["properties"]) == {"venue", "date", "days", "resources"}
    assert {"id", "name", "exclusive", "capacity", "slots"} <= set(
        components["AvailabilityResource"]["properties"]
    )
    slot_props = components["AvailabilitySlot"]["properties"]
    assert set(slot_props) >= CONTRACT_SLOT_KEYS | {"opens_at"}
    assert {"$ref": "#/components/schemas/SlotReasonEnum"} in slot_props["reason"]["oneOf"]
    assert set(components["SlotReasonEnum"]["enum"]) == {
        "window_not_open",
        "full",
        "past",
        "closed",
        "payment_unavailable",
        "ballot",
    }


@pytest.mark.django_db
def test_schema_endpoint_serves_the_read_routes(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/venues/{id}/availability/" in response.json()["paths"]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["/api/docs/", "/api/redoc/"])
def test_docs_use_local_assets_only(client, route):
    response = client.get(route)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"cdn\.|jsdelivr|unpkg|cdnjs", html)
    assets = re.findall(r'(/static/drf_spectacular_sidecar/[^"\']+)', html)
    assert assets
    for asset in set(assets):
        assert client.get(asset).status_code == 200, asset


def test_whole_schema_validates_without_warnings(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` for every route of the project."""
    GENERATOR_STATS.reset()
    # On failure pytest shows the warnings the command printed to stderr.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").stat().st_size > 0
