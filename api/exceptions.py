"""One place that turns every error into `{"code", "detail", "fields"}` with a fitting status."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.parsers import TOO_DEEP
from common.errors import (
    BusyError,
    ConflictError,
    DomainError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)

logger = logging.getLogger(__name__)

DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (InvalidInputError, status.HTTP_400_BAD_REQUEST),
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (NotAllowedError, status.HTTP_403_FORBIDDEN),
    (ConflictError, status.HTTP_409_CONFLICT),
    (RuleViolationError, status.HTTP_422_UNPROCESSABLE_ENTITY),
]

DRF_CODES: dict[type[drf.APIException], str] = {
    drf.ParseError: "malformed_request",
    drf.AuthenticationFailed: "authentication_failed",
    drf.NotAuthenticated: "not_authenticated",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
    drf.ValidationError: "invalid",
}


def error_body(code: str, detail: str, fields: dict[str, Any] | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return body


def domain_error_parts(exc: DomainError) -> tuple[int, dict, dict[str, str]]:
    """Status, body and headers of the answer to a domain error."""
    status_code: int = status.HTTP_400_BAD_REQUEST
    for cls, code in DOMAIN_STATUS:
        if isinstance(exc, cls):
            status_code = code
            break
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, BusyError) else {}
    return status_code, error_body(exc.code, exc.detail, exc.fields, **exc.extra), headers


def domain_error_response(exc: DomainError) -> Response:
    status_code, body, headers = domain_error_parts(exc)
    return Response(body, status=status_code, headers=headers)


_PARSE_CODE = Request._parse.__code__  # type: ignore[attr-defined]  # private, not in the stubs


def _raised_while_parsing(exc: BaseException) -> bool:
    """Whether `exc` came out of DRF's request body parsing (`Request._parse`)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is _PARSE_CODE:
            return True
        tb = tb.tb_next
    return False


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # A body nested too deeply for Python's json, sent to a view with DRF's own parser (the
    # token view); api.parsers.JSONParser refuses it itself.
    if isinstance(exc, RecursionError) and _raised_while_parsing(exc):
        exc = drf.ParseError(TOO_DEEP)
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else None
        return Response(
            error_body("invalid", "; ".join(exc.messages), fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django logs it and answers 500
    # A subclass may name its own code (api.authentication.TokenExpired: `token_expired`).
    code = getattr(exc, "error_code", None) or next(
        (c for cls, c in DRF_CODES.items() if isinstance(exc, cls)), "error"
    )
    if isinstance(exc, drf.ValidationError):
        data = exc.detail
        if isinstance(data, dict):
            fields = {
                k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in data.items()
            }
            non_field = fields.pop("non_field_errors", None)
            detail = "; ".join(non_field) if non_field else _("Invalid input.")
            response.data = error_body(code, detail, fields or None)
        else:
            messages = [str(m) for m in (data if isinstance(data, list) else [data])]
            response.data = error_body(code, "; ".join(messages))
        return response
    shown = exc.detail if isinstance(exc, drf.APIException) else str(exc)
    wait = getattr(exc, "wait", None)  # set by Throttled; the stubs do not declare it
    if isinstance(exc, drf.Throttled) and wait:
        response.data = error_body(code, str(shown), retry_after=int(wait))
    else:
        response.data = error_body(code, str(shown))
    return response
