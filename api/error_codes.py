"""Every stable error `code` the API answers with, the statuses it comes with and what it means.

The codes are discovered, not copied: each domain module's `DomainError` subclasses and the
API's own DRF exceptions give theirs (a module that does not exist yet, or any more, such as
`payments.exceptions` while payments move out of `booking`, is skipped). The few codes raised
with a `code=` argument, or written by a view or middleware without an exception class, are
listed in `RAISED_CODES`; tests/api/test_error_codes.py checks the source for any code missing
here. The OpenAPI schema (api/schema/) and the table in docs/api.md are built from this.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from functools import cache

from django.utils import translation
from django.utils.functional import Promise
from rest_framework import exceptions as drf
from rest_framework import status

from api.exceptions import DOMAIN_STATUS, DRF_CODES
from common.errors import BusyError, DomainError

# Modules whose error classes carry codes.
ERROR_MODULES = (
    "common.errors",
    "venues.exceptions",
    "booking.exceptions",
    "payments.exceptions",
    "events.exceptions",
    "checkin.exceptions",
    "allocation.exceptions",
    "waitlist.exceptions",
    "api.exceptions",
    "api.filters",
    "api.authentication",
    "api.tokens",
)

# DRF's exceptions: the status the handler answers with (401 only where a token is expected;
# api.exceptions.DRF_CODES names their codes).
DRF_STATUS: dict[type[drf.APIException], tuple[int, ...]] = {
    drf.ParseError: (status.HTTP_400_BAD_REQUEST,),
    drf.AuthenticationFailed: (status.HTTP_401_UNAUTHORIZED,),
    drf.NotAuthenticated: (status.HTTP_401_UNAUTHORIZED,),
    drf.PermissionDenied: (status.HTTP_403_FORBIDDEN,),
    drf.NotFound: (status.HTTP_404_NOT_FOUND,),
    drf.MethodNotAllowed: (status.HTTP_405_METHOD_NOT_ALLOWED,),
    drf.NotAcceptable: (status.HTTP_406_NOT_ACCEPTABLE,),
    drf.UnsupportedMediaType: (status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,),
    drf.Throttled: (status.HTTP_429_TOO_MANY_REQUESTS,),
    drf.ValidationError: (status.HTTP_400_BAD_REQUEST,),
}


@dataclass(frozen=True)
class RaisedCode:
    statuses: tuple[int, ...]
    description: str
    app: str = ""  # the domain app that raises it; "" for a code any operation may give


# Codes given at the raise (`SomeError(..., code=...)`) or written without an exception class.
RAISED_CODES: dict[str, RaisedCode] = {
    "invalid_days": RaisedCode((400,), "`days` is not a whole number from 1 to 14.", app="booking"),
    "invalid_venue": RaisedCode((400,), "A feed's `venue` filter is not a venue id.", app="events"),
    "unknown_category": RaisedCode(
        (400,), "A feed's or list's `category` is unknown.", app="events"
    ),
    "venue_not_found": RaisedCode(
        (404,), "The venue of a venue feed does not exist.", app="events"
    ),
    "not_token_auth": RaisedCode(
        (400,), "Revoking the calling token, but the call was not made with a token.", app="auth"
    ),
    "webhook_not_configured": RaisedCode(
        (400,), "No Stripe webhook secret is configured.", app="payments"
    ),
    "malformed_event": RaisedCode(
        (400,), "The Stripe webhook body is not an event.", app="payments"
    ),
    "bad_request": RaisedCode((400,), "Django refused the request before any view."),
    "request_too_large": RaisedCode((413,), "The request body is too large."),
    "unavailable": RaisedCode(
        (503,), "PostgreSQL or Redis is unreachable; retry after `Retry-After` seconds."
    ),
    "server_error": RaisedCode((500,), "An unexpected error; it has been logged."),
    # DomainError's own code, and the handler's for a DRF exception it has no code for.
    "error": RaisedCode((400,), "An error with no more specific code."),
}
# `busy` is also the 503 of a statement or lock timeout outside the booking service, and of a
# request shed from a long queue (api/outage.py).
EXTRA_STATUSES: dict[str, tuple[int, ...]] = {"busy": (503,), "not_found": (404,)}


@dataclass
class ErrorCode:
    code: str
    statuses: set[int] = field(default_factory=set)
    descriptions: list[str] = field(default_factory=list)
    retry_after: bool = False
    # The apps whose errors carry it (booking, events, ...); empty: any operation may give it.
    apps: set[str] = field(default_factory=set)

    @property
    def description(self) -> str:
        return " / ".join(dict.fromkeys(self.descriptions))


def _english(detail: str | Promise) -> str:
    """A default detail in English (the source language of the gettext messages); the English
    half of a bilingual one ("中文。English.")."""
    with translation.override("en"):
        text = " ".join(str(detail).split())
    for mark in ("。", "："):
        if mark in text:
            tail = text.rsplit(mark, 1)[1].strip()
            if tail:
                return tail
    return text


def _domain_status(cls: type[DomainError]) -> int:
    for base, code in DOMAIN_STATUS:
        if issubclass(cls, base):
            return code
    return status.HTTP_400_BAD_REQUEST


def _error_classes() -> list[type[BaseException]]:
    classes: list[type[BaseException]] = []
    for name in ERROR_MODULES:
        module = importlib.import_module(name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, DomainError | drf.APIException) and obj not in classes:
                classes.append(obj)
    # DRF's own exceptions, which the handler answers with the codes of DRF_CODES.
    classes.extend(cls for cls in DRF_CODES if cls not in classes)
    return classes


@cache
def error_codes() -> dict[str, ErrorCode]:
    """Every code, sorted, with its statuses and descriptions."""
    with translation.override("en"):
        return _collect()


def _collect() -> dict[str, ErrorCode]:
    found: dict[str, ErrorCode] = {}

    generic: set[str] = set()

    def add(
        code: str,
        statuses: tuple[int, ...],
        description: str,
        retry: bool = False,
        app: str = "",
    ) -> None:
        entry = found.setdefault(code, ErrorCode(code))
        entry.statuses.update(statuses)
        if app:
            entry.apps.add(app)
        else:
            generic.add(code)
        if description:
            entry.descriptions.append(description)
        entry.retry_after = entry.retry_after or retry

    for cls in _error_classes():
        if issubclass(cls, DomainError):
            if cls is DomainError:
                continue
            add(
                cls.code,
                (_domain_status(cls),),
                _english(cls.default_detail) if "default_detail" in vars(cls) else "",
                retry=issubclass(cls, BusyError),
                app=_app_of(cls),
            )
            continue
        code = getattr(cls, "error_code", None) or next(
            (c for base, c in DRF_CODES.items() if issubclass(cls, base)), None
        )
        statuses = next((s for base, s in DRF_STATUS.items() if issubclass(cls, base)), None)
        if code and statuses and issubclass(cls, drf.APIException):
            add(
                code,
                statuses,
                _english(str(cls.default_detail)),
                retry=issubclass(cls, drf.Throttled),
            )
    for code, raised in RAISED_CODES.items():
        add(code, raised.statuses, raised.description, 503 in raised.statuses, raised.app)
    for code, statuses in EXTRA_STATUSES.items():
        add(code, statuses, "", retry=code == "busy")
    for code in generic:  # a generic code stays generic even where an app also raises it
        found[code].apps.clear()
    return dict(sorted(found.items()))


def _app_of(cls: type) -> str:
    """The domain app of an error class; "" for the shared ones (common, api)."""
    app = cls.__module__.split(".")[0]
    return "" if app in ("common", "api") else app


def codes_for_status(status_code: int, apps: set[str] | None = None) -> list[str]:
    """The codes an answer with this status can carry; with `apps`, those an operation of
    these apps can give (theirs and the generic ones)."""
    return [
        c.code
        for c in error_codes().values()
        if status_code in c.statuses and (apps is None or not c.apps or c.apps & apps)
    ]


def markdown_table() -> str:
    """The table of docs/api.md ("Error codes"), one row a code."""
    rows = ["| code | status | Retry-After | meaning |", "|---|---|---|---|"]
    for entry in error_codes().values():
        statuses = ", ".join(str(s) for s in sorted(entry.statuses))
        retry = "yes" if entry.retry_after else ""
        meaning = entry.description.replace("|", "\\|") or "(generic)"
        rows.append(f"| `{entry.code}` | {statuses} | {retry} | {meaning} |")
    return "\n".join(rows) + "\n"
