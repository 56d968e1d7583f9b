"""Domain errors: a stable machine-readable `code` and a human `detail`, no HTTP knowledge.

Interfaces map the base classes to their own status codes (see `api/exceptions.py`).
"""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    code = "error"
    # Subclasses give a gettext_lazy message: translated when raised (see __init__).
    default_detail: str | Promise = "The request could not be completed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        # A lazy translation becomes text here, in the language active where the error is
        # raised (the request's, through LocaleMiddleware): one language per message.
        self.detail = str(detail or self.default_detail)
        if code:
            self.code = code
        self.fields = fields
        # Extra machine-readable context, e.g. {"opens_at": ...} or {"suspended_until": ...}.
        self.extra = extra or {}
        super().__init__(self.detail)


class InvalidInputError(DomainError):
    """The input is malformed or inconsistent (HTTP 400)."""

    code = "invalid"


class NotFoundError(DomainError):
    """A referenced object does not exist or is not visible to the caller (HTTP 404)."""

    code = "not_found"


class NotAllowedError(DomainError):
    """The caller may not do this (HTTP 403)."""

    code = "not_allowed"


class ConflictError(DomainError):
    """The state changed under the caller: taken, full, already done (HTTP 409)."""

    code = "conflict"


class RuleViolationError(DomainError):
    """A business rule refuses the request: quota, window, deadline (HTTP 422)."""

    code = "rule_violation"


class BusyError(ConflictError):
    """Contention: try again shortly (HTTP 409 with Retry-After)."""

    code = "busy"
    retry_after = 1
