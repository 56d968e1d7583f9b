"""The operations of the plain Django endpoints (not DRF): the health probes and the iCal feeds."""

from __future__ import annotations

from typing import Any

from api.schema.errors import RETRY_AFTER, error_response
from api.schema.operations import SUMMARIES
from events.models import Event


def _ics_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": {"type": "string"}, "description": "Send it as If-None-Match."},
            "Last-Modified": {"schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}},
        },
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }


def _plain_operation(
    operation_id: str,
    tag: str,
    description: str,
    ok: dict[str, Any],
    errors: dict[int, list[str]],
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": ok}
    for status, codes in errors.items():
        retry = "required" if status in (429, 503) else ""
        responses[str(status)] = error_response(status, codes, retry_after=retry)
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": SUMMARIES[operation_id],
        "description": description,
        "tags": [tag],
        "security": [{}],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    return operation


FEED_NOT_MODIFIED = {"description": "Not modified (If-None-Match or If-Modified-Since)."}
_CATEGORY = "(" + "|".join(Event.Category.values) + ")"
CATEGORY_PARAM = {
    "name": "category",
    "in": "query",
    "required": False,
    "description": "Event categories to keep, comma-separated (blank parts are skipped): "
    + ", ".join(f"`{c}`" for c in Event.Category.values)
    + ".",
    # What api/views/calendar.py reads: known categories, spaces and empty parts ignored.
    "schema": {"type": "string", "pattern": f"^ *{_CATEGORY}? *(, *{_CATEGORY}? *)*$"},
}


def plain_paths() -> dict[str, Any]:
    """The schema of the endpoints that are plain Django views (not DRF)."""
    health = {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
            "database": {"type": "string"},
            "cache": {"type": "string"},
        },
    }
    health_ok = {
        "description": "The process answers (`?deep=1`: as readiness).",
        "content": {"application/json": {"schema": health}},
    }
    ready_503 = {
        "description": "The database does not answer: take this server out of service.",
        "headers": {"Retry-After": {**RETRY_AFTER, "required": True}},
        "content": {"application/json": {"schema": health}},
    }
    feed_ok = "An iCalendar (RFC 5545) feed; gzipped when the client accepts gzip."
    deep = {
        "name": "deep",
        "in": "query",
        "required": False,
        "description": "`1`: answer as the readiness probe.",
        "schema": {"type": "string"},
    }
    paths: dict[str, Any] = {
        "/api/v1/health/": {
            "get": _plain_operation(
                "health",
                "health",
                "Liveness: the process answers; no database query unless `deep=1`.",
                health_ok,
                {},
                [deep],
            )
        },
        "/api/v1/health/ready/": {
            "get": _plain_operation(
                "health_ready",
                "health",
                "Readiness: the database answers (Redis is reported, not required).",
                {**health_ok, "description": "Ready (`status`: `ok` or `degraded`)."},
                {},
            )
        },
        "/calendar/events.ics": {
            "get": _plain_operation(
                "calendar_events",
                "calendar",
                "All public events; `category` and `venue` narrow it.",
                _ics_response(feed_ok),
                {400: ["unknown_category", "invalid_venue"], 404: ["venue_not_found"]},
                [
                    CATEGORY_PARAM,
                    {
                        "name": "venue",
                        "in": "query",
                        "required": False,
                        "description": "A venue id: that venue's events only.",
                        "schema": {"type": "string", "pattern": "^[0-9]{0,18}$"},
                    },
                ],
            )
        },
        "/calendar/venues/{venue_id}.ics": {
            "get": _plain_operation(
                "calendar_venue",
                "calendar",
                "One venue's public events.",
                _ics_response(feed_ok),
                {400: ["unknown_category", "invalid_venue"], 404: ["venue_not_found"]},
                [
                    {
                        "name": "venue_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    },
                    CATEGORY_PARAM,
                ],
            )
        },
        "/calendar/me/{token}.ics": {
            "get": _plain_operation(
                "calendar_me",
                "calendar",
                "A resident's confirmed bookings and registrations, behind the secret token of "
                "`GET /api/v1/me/calendar/` (`token_url`).",
                _ics_response(feed_ok),
                {404: ["feed_not_found"]},
                [
                    {
                        "name": "token",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
            )
        },
    }
    paths["/api/v1/health/ready/"]["get"]["responses"]["503"] = ready_503
    for path, item in paths.items():
        if path.startswith("/calendar/"):
            item["get"]["responses"]["304"] = FEED_NOT_MODIFIED
            item["get"]["responses"]["503"] = error_response(
                503, ["unavailable", "busy"], retry_after="required"
            )
    return paths
