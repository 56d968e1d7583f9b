"""The common case of `POST /api/v1/bookings/` in fewer steps than DRF's dispatch.

In a rush nearly every attempt is a well-formed request with an API token, and nearly all of
them are refused with a 409. For those, DRF's dispatch (request wrapping, negotiation,
authentication, throttling, exception handling) and its separate token query cost more than the
booking work itself (bench/README.md). This path reads the token's user in the statement that
reads the slot, overlaps the throttle's Redis round trip with that read, and answers with the
same service, serializers, renderer and error handler as `BookingCreateView`.

Anything else returns None and goes through `BookingCreateView`, which words every error: no
token or a malformed `Authorization` header, session cookies (CSRF), another content type or
charset, a body that is not a well-formed booking, input the service refuses before reading,
and an unknown, expired or inactive token. tests/api/fastpath/test_booking_create.py compares the two paths.
"""

import json
import time
from typing import Any, Protocol

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant

from api.exceptions import domain_error_parts, exception_handler
from api.fastpath.authentication import (
    TOKEN_USER_SQL,
    FastTokenAuthentication,
    token_of,
    token_user_params,
)
from api.fastpath.throttle import AttemptNumber, Window, token_ident
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.bookings import read_well_formed_booking
from api.throttling import BookingCreateThrottle
from booking import selectors, services
from common.errors import DomainError

UTF8 = {"utf-8", "utf8"}
_renderer = JSONRenderer()

# What this path does in place of DRF's dispatch of `BookingCreateView`, list by list. A class
# added to one of the view's lists would not apply to token calls: the test
# tests/api/fastpath/test_pinned_classes.py fails until this path implements it too.
IMPLEMENTS: dict[str, tuple[type, ...]] = {
    # A token header decides before any session (DRF tries them in this order): the token's
    # user is read by TOKEN_USER_SQL, with FastTokenAuthentication's rules (key characters,
    # expiry); an unknown, expired or inactive token falls through to DRF, which words the 401.
    "authentication_classes": (FastTokenAuthentication, SessionAuthentication),
    # IsSignedIn: a user was found by the token and is active.
    "permission_classes": (IsSignedIn,),
    # The same window and count (`AttemptNumber`), the same 429 (`Throttled`, Retry-After).
    "throttle_classes": (BookingCreateThrottle,),
    # UTF-8 JSON only, strict constants; a body JSONParser would refuse (or nest too deep)
    # falls through to DRF.
    "parser_classes": (JSONParser,),
    # JSONRenderer whatever the Accept header (the view's JSONOnly negotiation).
    "renderer_classes": (JSONRenderer,),
}


class CreateView(Protocol):
    """What this path needs of `BookingCreateView`."""

    @property
    def default_response_headers(self) -> dict[str, str]: ...

    def answer(self, path: str, result: services.BookingResult) -> Response: ...


def create_booking(request: HttpRequest, view: CreateView) -> HttpResponse | None:
    """Book for a token's resident, or None when `BookingCreateView` should answer.

    `view` is the `BookingCreateView` instance: its `answer(path, result)` builds the success
    response and its `default_response_headers` (`Allow`) go on every answer, as DRF's would.
    """
    token = token_of(request)
    if token is None or request.content_type != "application/json":
        return None
    if (request.content_params or {}).get("charset", "utf-8").lower() not in UTF8:
        return None
    try:
        data = json.loads(request.body.decode(), parse_constant=strict_constant)
    except (ValueError, RecursionError):  # also UnicodeDecodeError; DRF words the parse error
        return None
    wanted = read_well_formed_booking(data)
    if wanted is None:
        return None
    slot_id, party_size = wanted
    try:
        key = services.check_booking_input(
            slot_id=slot_id,
            party_size=party_size,
            # META, not `headers`: that builds a dict of every header on first use.
            idempotency_key=request.META.get("HTTP_IDEMPOTENCY_KEY", ""),
        )
    except DomainError:
        return None

    started = time.time()
    window = Window.current(BookingCreateThrottle.scope, token_ident(token), started)
    pending = AttemptNumber(window) if window else None
    now = timezone.now()
    try:
        read = selectors.get_slot_for_booking(
            slot_id=slot_id,
            # An expired token finds no user: DRF then answers 401 `token_expired`.
            resident=selectors.ResidentLookup(TOKEN_USER_SQL, token_user_params(token, now)),
            idempotency_key=key,
            now=now,
        )
    finally:
        number = pending.result() if pending else 0
    if read is None or not read.resident.is_active:
        # DRF answers 401 before its throttle: this attempt is counted once, here.
        return None
    if window is not None and number > window.limit:
        return _render(view, exception_handler(Throttled(wait=window.ends_at - started), {}))
    try:
        result = services.place_booking(
            resident=read.resident,
            slot_id=slot_id,
            party_size=party_size,
            idempotency_key=key,
            now=now,
            read=read,
        )
    except DomainError as exc:
        return _send(view, *domain_error_parts(exc))
    return _render(view, view.answer(request.path, result))


def _render(view: CreateView, response: Response | None) -> HttpResponse:
    """A DRF `Response` as the view's dispatch would send it."""
    assert response is not None  # exception_handler answers every APIException
    headers = {k: v for k, v in response.items() if k.lower() != "content-type"}
    return _send(view, response.status_code, response.data, headers)


def _send(view: CreateView, status: int, data: Any, headers: dict[str, str]) -> HttpResponse:
    """JSON as DRF's renderer writes it, with the headers DRF's dispatch adds (`Allow`)."""
    return HttpResponse(
        _renderer.render(data),
        status=status,
        content_type=_renderer.media_type,
        headers={**view.default_response_headers, **headers},
    )
