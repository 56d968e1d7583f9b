"""The one `Error` body of every error answer, its `ErrorCode` enum, and the error response an
operation lists for a status with the codes it can carry (api/error_codes.py holds the codes)."""

from __future__ import annotations

import copy
from typing import Any

from api.error_codes import error_codes

ERROR_REF = {"$ref": "#/components/schemas/Error"}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}

STATUS_TEXT = {
    400: "Bad request",
    401: "Not signed in, or the token is invalid or expired",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Refused by a business rule",
    429: "Too many requests",
    503: "Temporarily unavailable",
}


def error_code_schema() -> dict[str, Any]:
    codes = error_codes()
    return {
        "type": "string",
        "enum": list(codes),
        "description": "A stable machine-readable error code (docs/api.md lists them all).",
    }


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error answer of the API: a stable `code`, a human `detail` (Chinese "
    "and English), the invalid `fields` of a 400, and context where it applies.",
    "required": ["code", "detail"],
    "properties": {
        "code": {"$ref": "#/components/schemas/ErrorCode"},
        "detail": {"type": "string"},
        "fields": {
            "type": "object",
            "description": "Input field → its problems (400).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "retry_after": {
            "type": "integer",
            "minimum": 0,
            "description": "Seconds to wait (429), as in Retry-After.",
        },
        "opens_at": {
            "type": "string",
            "format": "date-time",
            "description": "When booking or registration opens (`window_not_open`, "
            "`registration_not_open`).",
        },
        "closed_at": {
            "type": "string",
            "format": "date-time",
            "description": "When registration closed (`registration_closed`).",
        },
        "suspended_until": {
            "type": "string",
            "format": "date-time",
            "description": "End of the suspension (`suspended`).",
        },
        "limit": {
            "type": "string",
            "enum": ["per_day", "per_week", "hours_per_day"],
            "description": "Which quota was reached (`quota_exceeded`).",
        },
        "max": {
            "type": ["integer", "string"],
            "description": "The quota's value (`quota_exceeded`; hours as a decimal string).",
        },
        "registration_id": {
            "type": "integer",
            "description": "The existing registration (`already_registered`).",
        },
        "places_left": {"type": "integer", "description": "Places left (`event_full`)."},
        "registered_count": {
            "type": "integer",
            "description": "Confirmed places (`capacity_below_registrations`).",
        },
        "status": {"type": "string", "description": "The event's status (transitions)."},
    },
}


def error_components() -> dict[str, dict[str, Any]]:
    """The `ErrorCode` and `Error` component schemas, fresh copies each time: drf-spectacular's
    enum hook rewrites component schemas in place."""
    return {"ErrorCode": error_code_schema(), "Error": copy.deepcopy(ERROR_SCHEMA)}


def error_response(status: int, codes: list[str], *, retry_after: str = "") -> dict[str, Any]:
    listed = ", ".join(f"`{c}`" for c in codes)
    response: dict[str, Any] = {
        "description": f"{STATUS_TEXT.get(status, 'Error')}. Codes: {listed}."
        if codes
        else STATUS_TEXT.get(status, "Error"),
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if retry_after:
        response["headers"] = {
            "Retry-After": {**RETRY_AFTER, "required": retry_after == "required"}
        }
    return response
