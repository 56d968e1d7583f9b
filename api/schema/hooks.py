"""`postprocess` (a SPECTACULAR postprocessing hook): the plain Django endpoints, the servers, the
tags' descriptions, the links between operations, and OpenAPI 3.1's spelling of a few types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rest_framework.request import Request

from api.schema.errors import error_components
from api.schema.operations import TAGS
from api.schema.plain import plain_paths

# operationId → {status → {link name → (target operationId, parameters)}}
BY_ID = {"id": "$response.body#/id"}  # the path's id is the answer's id
BOOKING_LINKS = {
    "GetBooking": ("bookings_retrieve", BY_ID),
    "CancelBooking": ("bookings_cancel", BY_ID),
}
LINKS: dict[str, dict[str, dict[str, tuple[str, dict[str, str]]]]] = {
    "bookings_create": {"201": BOOKING_LINKS, "200": BOOKING_LINKS},
    "bookings_retrieve": {
        "200": {
            "CancelBooking": ("bookings_cancel", BY_ID),
            "GetPayment": ("bookings_payment", BY_ID),
        }
    },
    "venues_retrieve": {"200": {"GetAvailability": ("venues_availability", BY_ID)}},
    "events_create": {
        "201": {"GetEvent": ("events_retrieve", BY_ID), "PublishEvent": ("events_publish", BY_ID)}
    },
    "events_retrieve": {"200": {"ListRegistrations": ("events_registrations_list", BY_ID)}},
    "events_registrations_create": {"201": {"CancelRegistration": ("registrations_cancel", BY_ID)}},
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
                name: {"operationId": target, "parameters": dict(params)}
                for name, (target, params) in links.items()
                if target in by_id
            }
    for node in _objects(result):
        _drop_nullable(node)
        _fix_formats(node)
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in error_components().items():
        components.setdefault(name, schema)
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every object of a JSON document, each before what it holds (so it may be changed first)."""
    if isinstance(node, list):
        for item in node:
            yield from _objects(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)


def _fix_formats(node: dict[str, Any]) -> None:
    """Formats the server's values satisfy: a local time of day has no UTC offset, which JSON
    Schema's `time` requires; a decimal is never `""` (drf-spectacular's pattern allows it)."""
    if node.get("format") == "time":
        del node["format"]
        node["pattern"] = TIME_PATTERN
    pattern = node.get("pattern")
    if isinstance(pattern, str) and pattern.startswith("^-?\\d{0,"):
        node["pattern"] = _decimal_pattern(pattern)


def _decimal_pattern(pattern: str) -> str:
    """`^-?\\d{0,6}(?:\\.\\d{0,2})?$` → at least one digit before an optional fraction."""
    match = re.fullmatch(r"\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$", pattern)
    if match is None:
        return pattern
    whole, fraction = match.groups()
    return rf"^-?\d{{1,{whole}}}(?:\.\d{{0,{fraction}}})?$"


def _drop_nullable(node: dict[str, Any]) -> None:
    """OpenAPI 3.0's `nullable` (DRF's pagination schema still writes it) as 3.1's null type."""
    if node.pop("nullable", False):
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            kind.append("null")
