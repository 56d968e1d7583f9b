"""The OpenAPI schema tells the truth: every error answer has the one `Error` body, and each
operation lists the statuses the server can really give it, with the codes each can carry.

`AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) completes each operation from what the
view is: authentication (401), CSRF-checked session writes (403), path ids and pagination
(404), parameters and bodies (400, 415), throttles (429 + Retry-After) and, everywhere, the
outage answers (503 + Retry-After, api/outage.py). The codes come from api/error_codes.py.
`postprocess` (a SPECTACULAR postprocessing hook) adds the plain Django endpoints (health and
the iCal feeds), the servers, the tags' descriptions and the links between operations.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.request import Request

from api.error_codes import codes_for_status, error_codes
from api.ids import MAX_ID
from common.calendar_range import FIRST_DAY, LAST_DAY
from events.models import Event

ERROR_REF = {"$ref": "#/components/schemas/Error"}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}
JSON_TYPES = {"application/json"}

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

# Where an operation can give fewer codes than every code of a status. Keys are operationIds.
OPERATION_CODES: dict[str, dict[int, list[str]]] = {
    "bookings_create": {
        400: ["invalid", "malformed_request", "invalid_party_size", "invalid_idempotency_key"],
        403: ["suspended", "permission_denied"],
        404: ["slot_not_found"],
        409: [
            "slot_unavailable",
            "slot_taken",
            "slot_full",
            "already_booked",
            "waitlist_first",
            "busy",
        ],
        422: [
            "party_too_large",
            "closed",
            "past",
            "window_not_open",
            "quota_exceeded",
            "payment_unavailable",
            "ballot",
            "idempotency_key_reused",
        ],
    },
    "bookings_cancel": {404: ["booking_not_found"], 409: ["not_cancellable", "busy"]},
    "bookings_retrieve": {404: ["booking_not_found"]},
    "auth_token_create": {
        400: ["invalid", "malformed_request"],
        429: ["login_locked", "throttled"],
    },
}

SUMMARIES: dict[str, str] = {
    "auth_token_create": "Sign in: exchange a password for an API token",
    "auth_token_destroy": "Revoke the calling token",
    "auth_token_revoke_all": "Sign out everywhere",
    "bookings_list": "List my bookings",
    "bookings_create": "Book a slot in one click",
    "bookings_retrieve": "Get a booking",
    "bookings_cancel": "Cancel a booking",
    "bookings_no_show": "Mark a booking as a no-show (venue staff)",
    "bookings_pay": "Start paying for a held booking",
    "bookings_payment": "Get a booking's payment",
    "bookings_qr_png": "Get a booking's check-in QR code (PNG)",
    "bookings_qr_svg": "Get a booking's check-in QR code (SVG)",
    "checkins_create": "Check a booking in at the gate",
    "checkins_public_key": "Get the public key that signs check-in codes",
    "events_list": "List events",
    "events_create": "Create an event",
    "events_retrieve": "Get an event",
    "events_partial_update": "Change an event",
    "events_approve": "Approve an event (district admin)",
    "events_cancel": "Cancel an event",
    "events_postpone": "Postpone an event",
    "events_publish": "Publish an event",
    "events_registrations_list": "List an event's registrations (organisers)",
    "events_registrations_create": "Register for an event",
    "me_calendar": "Get my personal calendar feed's URL",
    "me_calendar_rotate": "Replace my personal calendar feed's URL",
    "me_standing": "Get my standing (strikes, suspension)",
    "payments_stripe_webhook": "Receive a Stripe webhook event",
    "registrations_list": "List my registrations",
    "registrations_cancel": "Cancel a registration",
    "registrations_pay": "Start paying for a registration",
    "registrations_payment": "Get a registration's payment",
    "slots_list": "List slots",
    "slots_retrieve": "Get a slot",
    "strikes_waive": "Waive a strike (venue staff)",
    "venues_list": "List venues",
    "venues_retrieve": "Get a venue",
    "venues_availability": "Get a venue's availability by day",
    "health": "Liveness probe",
    "health_ready": "Readiness probe",
    "calendar_events": "iCal feed of public events",
    "calendar_venue": "iCal feed of one venue's public events",
    "calendar_me": "Personal iCal feed (secret URL)",
}

# Descriptions of operations whose views have no docstring of their own.
DESCRIPTIONS: dict[str, str] = {
    "venues_list": "Active venues, filtered by `kind`, `district`, `sport`, `q` and "
    "`available_on` (a date with at least one bookable slot); paginated.",
    "venues_retrieve": "One active venue with its resources, booking policy, opening hours "
    "and price range.",
    "venues_availability": "The venue's resources and their slots for `days` days from "
    "`date`; each slot says whether it is `bookable` and, if not, the `reason`.",
    "slots_list": "Slots filtered by `venue`, `resource`, `date` and `available`; paginated.",
    "slots_retrieve": "One slot with its remaining places, price and bookability.",
}

# Tags by domain where the first path segment does not say it.
OPERATION_TAGS: dict[str, str] = {
    "bookings_pay": "payments",
    "bookings_payment": "payments",
    "registrations_pay": "payments",
    "registrations_payment": "payments",
    "bookings_qr_png": "checkins",
    "bookings_qr_svg": "checkins",
    "bookings_no_show": "standing",
    "strikes_waive": "standing",
    "me_standing": "standing",
    "me_calendar": "calendar",
    "me_calendar_rotate": "calendar",
    "ballot_entries_list": "ballots",
    "ballot_entries_retrieve": "ballots",
    "ballot_entries_update": "ballots",
    "ballot_entries_withdraw": "ballots",
    "slots_waitlist_create": "waitlist",
}

TAGS = [
    {"name": "auth", "description": "API tokens: sign in, revoke, sign out everywhere."},
    {"name": "venues", "description": "Public sports venues, their resources and availability."},
    {"name": "slots", "description": "Bookable time slots of a venue's resources."},
    {"name": "bookings", "description": "One-click bookings of slots: book, list, cancel."},
    {"name": "payments", "description": "Paying for held bookings and registrations (Stripe)."},
    {"name": "checkins", "description": "Check-in codes and the gates that scan them."},
    {"name": "standing", "description": "No-shows, strikes and suspensions."},
    {"name": "events", "description": "The public event calendar: events and their lifecycle."},
    {"name": "registrations", "description": "Registrations for events."},
    {"name": "ballots", "description": "Ballots for peak slots: rounds, entries, draws, results."},
    {
        "name": "waitlist",
        "description": "Waiting lists of full slots and their time-limited offers.",
    },
    {"name": "calendar", "description": "iCal feeds (RFC 5545) and the personal feed's URL."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

# The apps whose errors an operation of a tag can give (api/error_codes.py), besides the
# generic codes every operation may give.
TAG_APPS: dict[str, set[str]] = {
    "auth": {"auth"},
    "venues": {"venues", "booking"},
    "slots": {"venues", "booking"},
    "bookings": {"booking"},
    "payments": {"booking", "payments", "events"},
    "checkins": {"checkin", "booking"},
    "standing": {"booking"},
    "events": {"events"},
    "registrations": {"events"},
    "calendar": {"events"},
    "health": set(),
}

# Renamed operations: the names a generated client's functions get.
OPERATION_IDS = {
    "v1_bookings_retrieve": "bookings_retrieve",
    "v1_bookings_cancel_create": "bookings_cancel",
    "v1_events_approve_create": "events_approve",
    "v1_events_cancel_create": "events_cancel",
    "v1_events_postpone_create": "events_postpone",
    "v1_events_publish_create": "events_publish",
    "v1_registrations_cancel_create": "registrations_cancel",
    "v1_slots_list": "slots_list",
    "v1_slots_retrieve": "slots_retrieve",
    "v1_venues_list": "venues_list",
    "v1_venues_retrieve": "venues_retrieve",
    "v1_venues_availability_retrieve": "venues_availability",
    "bookings_cancel_create": "bookings_cancel",
    "events_approve_create": "events_approve",
    "events_cancel_create": "events_cancel",
    "events_postpone_create": "events_postpone",
    "events_publish_create": "events_publish",
    "registrations_cancel_create": "registrations_cancel",
    "venues_availability_retrieve": "venues_availability",
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


class AutoSchema(SpectacularAutoSchema):
    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        return OPERATION_IDS.get(operation_id, operation_id)

    def get_tags(self) -> list[str]:
        operation_id = self.get_operation_id()
        if operation_id in OPERATION_TAGS:
            return [OPERATION_TAGS[operation_id]]
        return super().get_tags()

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        self._register_error_components()
        if not operation.get("description"):
            operation["description"] = DESCRIPTIONS.get(operation["operationId"], "")
        operation.setdefault("summary", SUMMARIES.get(operation["operationId"]) or "")
        if not operation["summary"]:
            operation["summary"] = _first_sentence(operation.get("description", ""))
        for parameter in operation.get("parameters", []):
            _bound_parameter(parameter)
        operation["responses"] = self._complete_responses(operation)
        return operation

    def _register_error_components(self) -> None:
        # Copies: drf-spectacular's enum hook rewrites component schemas in place.
        error = copy.deepcopy(ERROR_SCHEMA)
        for name, schema in (("ErrorCode", error_code_schema()), ("Error", error)):
            self.registry.register_on_missing(
                ResolvedComponent(
                    name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
                )
            )

    def _complete_responses(self, operation: dict[str, Any]) -> dict[str, Any]:
        responses: dict[str, Any] = dict(operation["responses"])
        statuses = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
        security = operation.get("security", [])
        if any(requirement for requirement in security):
            statuses.add(401)
        if self.method not in ("GET", "HEAD", "OPTIONS") and any(
            "cookieAuth" in requirement for requirement in security
        ):
            statuses.add(403)  # a session write without its CSRF token
        params = operation.get("parameters", [])
        if any(p["in"] == "path" for p in params) or self._is_paginated():
            statuses.add(404)
        if any(p["in"] in ("query", "header") for p in params) or "requestBody" in operation:
            statuses.add(400)
        if "requestBody" in operation:
            statuses.add(415)
        if self.view.get_throttles() or 429 in statuses:
            statuses.add(429)
        statuses.add(503)
        overrides = OPERATION_CODES.get(operation["operationId"], {})
        for status in sorted(statuses):
            codes = overrides.get(status) or self._codes(status, operation, security)
            retry = ""
            if status in (429, 503):
                retry = "required"
            elif "busy" in codes or "payment_provider_unavailable" in codes:
                retry = "optional"
            responses[str(status)] = error_response(status, codes, retry_after=retry)
        return dict(sorted(responses.items()))

    def _is_paginated(self) -> bool:
        return self.method == "GET" and getattr(self.view, "pagination_class", None) is not None

    def _codes(self, status: int, operation: dict[str, Any], security: list[Any]) -> list[str]:
        if status == 401:
            codes = ["authentication_failed", "token_expired"]
            return codes if {} in security else ["not_authenticated", *codes]
        if status == 404 and not any(p["in"] == "path" for p in operation.get("parameters", [])):
            return ["not_found"]  # a page past the last one
        if status == 415:
            return ["unsupported_media_type"]
        if status == 503:
            return ["unavailable", "busy"]
        if status == 429:
            return ["throttled"]
        apps: set[str] = set()
        for tag in operation.get("tags", []):
            apps |= TAG_APPS.get(tag, set())
        return codes_for_status(status, apps)


# Dates the server takes (common/calendar_range.py: 2000-01-01 to 2100-12-31).
DATE_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
# Query parameters that are ids of rows: positive, within PostgreSQL's bigint.
ID_PARAMETERS = {"venue", "resource", "organisation", "event"}


def _bound_parameter(parameter: dict[str, Any]) -> None:
    """The bounds the server enforces on a parameter, which the generator does not see."""
    schema = parameter.get("schema", {})
    in_range = dt.date(2000, 1, 1) == FIRST_DAY and dt.date(2100, 12, 31) == LAST_DAY
    if schema.get("format") == "date" and in_range:
        schema["pattern"] = DATE_PATTERN
    if schema.get("format") == "date-time" and parameter["in"] == "query" and in_range:
        # The event filters take a whole day or a moment (api/filters_events.py).
        parameter["schema"] = {
            "type": "string",
            "anyOf": [
                {"format": "date", "pattern": DATE_PATTERN},
                {"format": "date-time", "pattern": DATE_PATTERN[:-1] + "T"},
            ],
        }
    is_id = parameter["name"] in ID_PARAMETERS or parameter["in"] == "path"
    if parameter["in"] in ("query", "path") and schema.get("type") == "integer" and is_id:
        schema.setdefault("minimum", 1)
        schema.setdefault("maximum", MAX_ID)


def _first_sentence(text: str) -> str:
    first = text.strip().split("\n\n", 1)[0].replace("\n", " ")
    return first.split(". ", 1)[0].rstrip(".")[:100]


# --- the plain Django endpoints, servers and links ----------------------------------------------


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


# operationId → {status → {link name → (target operationId, parameters)}}
LINKS: dict[str, dict[str, dict[str, tuple[str, dict[str, str]]]]] = {
    "bookings_create": {
        "201": {
            "GetBooking": ("bookings_retrieve", {"id": "$response.body#/id"}),
            "CancelBooking": ("bookings_cancel", {"id": "$response.body#/id"}),
        },
        "200": {
            "GetBooking": ("bookings_retrieve", {"id": "$response.body#/id"}),
            "CancelBooking": ("bookings_cancel", {"id": "$response.body#/id"}),
        },
    },
    "bookings_retrieve": {
        "200": {
            "CancelBooking": ("bookings_cancel", {"id": "$response.body#/id"}),
            "GetPayment": ("bookings_payment", {"id": "$response.body#/id"}),
        }
    },
    "venues_retrieve": {
        "200": {"GetAvailability": ("venues_availability", {"id": "$response.body#/id"})}
    },
    "events_create": {
        "201": {
            "GetEvent": ("events_retrieve", {"id": "$response.body#/id"}),
            "PublishEvent": ("events_publish", {"id": "$response.body#/id"}),
        }
    },
    "events_retrieve": {
        "200": {"ListRegistrations": ("events_registrations_list", {"id": "$response.body#/id"})}
    },
    "events_registrations_create": {
        "201": {"CancelRegistration": ("registrations_cancel", {"id": "$response.body#/id"})}
    },
}


def postprocess(
    result: dict[str, Any], generator: Any, request: Request | None, public: bool
) -> dict[str, Any]:
    """SPECTACULAR POSTPROCESSING_HOOKS: plain endpoints, servers, tags and links."""
    if getattr(generator, "patterns", None) is None:  # the whole URLconf, not a test's part
        result["paths"].update(plain_paths())
    result["paths"] = dict(sorted(result["paths"].items()))
    if request is not None:
        result["servers"] = [
            {"url": request.build_absolute_uri("/").rstrip("/"), "description": "This server"}
        ]
    else:
        result["servers"] = [{"url": "/", "description": "The server serving this schema"}]
    result["tags"] = TAGS
    by_id = {op["operationId"]: op for item in result["paths"].values() for op in item.values()}
    for source, statuses in LINKS.items():
        for status, links in statuses.items():
            response = by_id.get(source, {}).get("responses", {}).get(status)
            if response is None:
                continue
            response["links"] = {
                name: {"operationId": target, "parameters": params}
                for name, (target, params) in links.items()
                if target in by_id
            }
    _drop_nullable(result)
    _fix_formats(result)
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorCode", error_code_schema())
    components.setdefault("Error", copy.deepcopy(ERROR_SCHEMA))
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _fix_formats(node: Any) -> None:
    """Formats the server's values satisfy: a local time of day has no UTC offset, which JSON
    Schema's `time` requires; a decimal is never `""` (drf-spectacular's pattern allows it)."""
    if isinstance(node, list):
        for item in node:
            _fix_formats(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("format") == "time":
        del node["format"]
        node["pattern"] = TIME_PATTERN
    pattern = node.get("pattern")
    if isinstance(pattern, str) and pattern.startswith("^-?\\d{0,"):
        node["pattern"] = _decimal_pattern(pattern)
    for value in node.values():
        _fix_formats(value)


def _decimal_pattern(pattern: str) -> str:
    """`^-?\\d{0,6}(?:\\.\\d{0,2})?$` → at least one digit before an optional fraction."""
    match = re.fullmatch(r"\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$", pattern)
    if match is None:
        return pattern
    whole, fraction = match.groups()
    return rf"^-?\d{{1,{whole}}}(?:\.\d{{0,{fraction}}})?$"


def _drop_nullable(node: Any) -> None:
    """OpenAPI 3.0's `nullable` (DRF's pagination schema still writes it) as 3.1's null type."""
    if isinstance(node, list):
        for item in node:
            _drop_nullable(item)
        return
    if not isinstance(node, dict):
        return
    if node.pop("nullable", False):
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            kind.append("null")
    for value in node.values():
        _drop_nullable(value)
