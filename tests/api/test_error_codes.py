"""api/error_codes.py knows every code the server can answer with, and the schema uses it."""

import re
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.error_codes import codes_for_status, error_codes

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["api", "booking", "events", "checkin", "venues", "common", "payments", "frontend"]
# `code="..."` given at a raise, `"code": "..."` written by hand, `code = "..."` on a class.
RAISED = re.compile(r"""(?:\bcode\s*=\s*|"code":\s*|error_code\s*=\s*|_CODE\s*=\s*)"([a-z_]+)\"""")
NOT_ERROR_CODES = {"tennis"}  # venues/events demo data: sport codes, not error codes


def source_codes() -> set[str]:
    found: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found.update(RAISED.findall(path.read_text()))
    return found - NOT_ERROR_CODES


def test_every_code_in_the_source_is_listed():
    missing = source_codes() - set(error_codes())
    assert not missing, f"add these to api/error_codes.py (RAISED_CODES): {sorted(missing)}"


def test_the_source_scan_finds_the_codes_it_should():
    """The check above is not vacuous: codes of classes and of raises are both found."""
    assert {"already_booked", "invalid_days", "venue_not_found", "login_locked"} <= source_codes()


def test_codes_carry_the_statuses_the_handler_gives_them():
    codes = error_codes()
    assert codes["already_booked"].statuses == {409}
    assert codes["payment_unavailable"].statuses == {422}
    assert codes["suspended"].statuses == {403}
    assert codes["not_authenticated"].statuses == {401}
    assert codes["busy"].statuses == {409, 503}
    assert codes["busy"].retry_after
    assert "slot_taken" in codes_for_status(409)
    assert "window_not_open" in codes_for_status(422)
    assert codes["already_booked"].description == "You already have a booking for this slot."


def test_every_listed_error_module_exists(monkeypatch):
    """A module named in ERROR_MODULES that does not exist fails loudly (a moved module's
    codes would otherwise vanish from the table)."""
    import api.error_codes as module

    monkeypatch.setattr(module, "ERROR_MODULES", ("no_such_app.exceptions", "common.errors"))
    module.error_codes.cache_clear()
    try:
        with pytest.raises(ModuleNotFoundError):
            module.error_codes()
    finally:
        module.error_codes.cache_clear()


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_error_response_of_the_schema_has_the_error_body(schema):
    seen = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) < 400 or path == "/api/v1/health/ready/":
                    continue
                seen += 1
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (method, path, status)
    assert seen > 150
    assert schema["components"]["schemas"]["ErrorCode"]["enum"] == list(error_codes())


def test_operations_list_the_statuses_the_server_gives(schema):
    def responses(path: str, method: str) -> dict:
        return schema["paths"][path][method]["responses"]

    create = responses("/api/v1/bookings/", "post")
    assert {"400", "401", "403", "404", "409", "415", "422", "429", "503"} <= set(create)
    assert "`already_booked`" in create["409"]["description"]
    assert "`payment_unavailable`" in create["422"]["description"]
    assert create["429"]["headers"]["Retry-After"]["required"] is True
    assert {"401", "404"} <= set(responses("/api/v1/bookings/", "get"))  # page past the end
    assert "400" in responses("/api/v1/venues/", "get")
    assert "401" in responses("/api/v1/me/standing/", "get")
    token = responses("/api/v1/auth/token/", "post")
    assert {"400", "415", "429"} <= set(token)


def test_the_schema_is_openapi_3_1_with_tags_summaries_links_feeds_and_health(schema):
    assert schema["openapi"] == "3.1.0"
    tags = {t["name"] for t in schema["tags"]}
    operations = [op for item in schema["paths"].values() for op in item.values()]
    for operation in operations:
        assert operation["summary"] and operation["description"], operation["operationId"]
        assert set(operation["tags"]) <= tags, operation["operationId"]
    assert {"/api/v1/health/", "/calendar/events.ics", "/calendar/me/{token}.ics"} <= set(
        schema["paths"]
    )
    links = schema["paths"]["/api/v1/bookings/"]["post"]["responses"]["201"]["links"]
    assert links["GetBooking"]["operationId"] == "bookings_retrieve"
    assert links["CancelBooking"] == {
        "operationId": "bookings_cancel",
        "parameters": {"id": "$response.body#/id"},
    }
    assert {op["operationId"] for op in operations} >= {"bookings_retrieve", "bookings_cancel"}
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert token["security"] == [{}]
    assert list(token["requestBody"]["content"]) == ["application/json"]


def test_the_served_schema_names_the_server_it_came_from(client, db, settings):
    settings.ALLOWED_HOSTS = ["api.example"]
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_HOST="api.example:8141").json()
    assert schema["servers"][0]["url"] == "http://api.example:8141"


def test_an_operation_lists_its_own_apps_codes_not_every_apps(schema):
    cancel_event = schema["paths"]["/api/v1/events/{id}/cancel/"]["post"]["responses"]
    assert "`event_not_found`" in cancel_event["404"]["description"]
    assert "`booking_not_found`" not in cancel_event["404"]["description"]
    assert "`slot_taken`" not in cancel_event["409"]["description"]
    assert "`busy`" in cancel_event["409"]["description"]  # generic: any operation
