"""`AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]): each DRF operation completed from what
its view is, with the error statuses it can really give and the bounds of its parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from api.error_codes import codes_for_status
from api.ids import MAX_ID
from api.schema.errors import error_components, error_response
from api.schema.operations import (
    DESCRIPTIONS,
    OPERATION_CODES,
    OPERATION_IDS,
    OPERATION_TAGS,
    SUMMARIES,
    TAG_APPS,
)
from common.calendar_range import FIRST_DAY, LAST_DAY


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
        for name, schema in error_components().items():
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
