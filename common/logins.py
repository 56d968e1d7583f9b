"""Limits on password guessing, and signing a user out of every browser session.

Every sign-in form (the pages' `/accounts/login/`, the admin's `/admin/login/` and the API's
`POST /api/v1/auth/token/`) calls `django.contrib.auth.authenticate(request, ...)`, where
django-axes counts failures per client address (`common.clientip`) and per username, and
refuses every attempt, right password or not, once either count reaches `AXES_FAILURE_LIMIT`
within `AXES_COOLOFF_TIME` (config/settings.py). The form or view that asked words the refusal
itself (`lock_message`) and calls `mark_lock_shown`; `lockout_response`, axes'
`AXES_LOCKOUT_CALLABLE`, then only adds the status and `Retry-After`.
"""

import datetime as dt
from importlib import import_module
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_response
from axes.middleware import AxesMiddleware
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LOCKED_STATUS = 429
LOCKED_CODE = "login_locked"
LOCKED_DETAIL = gettext_lazy("Too many failed sign-in attempts: signing in is locked for a while.")


def is_locked_out(request: HttpRequest) -> bool:
    """Whether django-axes refused the last `authenticate()` call of `request`."""
    return bool(getattr(request, "axes_locked_out", False))


def lock_ends_at(request: HttpRequest) -> dt.datetime:
    """When the lock that refused `request` ends: when so many of the failures that count
    against its client address or its username are older than the cool-off that fewer than
    the limit remain.

    Axes keeps one row per (username, address, user agent) with its failure count and the
    time of its last failure; a lock by one parameter (the address, or the username) ends when
    its newest rows, adding up to the limit, have all aged out.
    """
    cached: dt.datetime | None = getattr(request, "login_lock_ends_at", None)
    if cached is not None:
        return cached
    credentials = getattr(request, "axes_credentials", None)
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    cool_off = get_cool_off(request) or dt.timedelta(0)
    handler = AxesProxyHandler.get_implementation()
    ends = now + cool_off  # the most it can be; exact for the database handler below
    get_user_attempts = getattr(handler, "get_user_attempts", None)
    if get_user_attempts is not None:
        limit = get_failure_limit(request, credentials)
        ends = now
        for attempts in get_user_attempts(request, credentials):
            counted = 0
            rows = attempts.order_by("-attempt_time").values_list(
                "attempt_time", "failures_since_start"
            )
            for attempt_time, failures in rows:
                counted += failures
                if counted >= limit:
                    ends = max(ends, attempt_time + cool_off)
                    break
    request.login_lock_ends_at = ends  # type: ignore[attr-defined]
    return ends


def lock_retry_after(request: HttpRequest) -> int:
    """Whole seconds until the lock that refused `request` ends (at least 1)."""
    left = (lock_ends_at(request) - timezone.now()).total_seconds()
    return max(1, int(left) + (left % 1 > 0))


def lock_message(request: HttpRequest) -> str:
    """What a sign-in page shows a locked-out client, with the time the lock ends."""
    until = formats.time_format(timezone.localtime(lock_ends_at(request)), "H:i")
    return _(
        "Too many failed sign-in attempts: signing in is locked for a while. "
        "Try again after %(time)s."
    ) % {"time": until}


def mark_lock_shown(request: HttpRequest) -> None:
    """The answer to `request` tells the client it is locked out: `lockout_response` keeps it."""
    request.login_lock_shown = True  # type: ignore[attr-defined]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' `AXES_LOCKOUT_CALLABLE`: the answer to a locked-out sign-in attempt.

    The sign-in page (or the API view) that was asked has already said so in its own words and
    shape: its answer is kept, as 429 with `Retry-After`. An answer that did not say so (a
    sign-in path that does not use the project's forms) is replaced: JSON in the API's error
    shape under /api/, else a short text.
    """
    retry_after = lock_retry_after(request)
    response: HttpResponse
    if original_response is not None and getattr(request, "login_lock_shown", False):
        response = original_response
        response.status_code = LOCKED_STATUS
    elif request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"code": LOCKED_CODE, "detail": str(LOCKED_DETAIL), "retry_after": retry_after},
            status=LOCKED_STATUS,
        )
    else:
        response = HttpResponse(
            lock_message(request), status=LOCKED_STATUS, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = str(retry_after)
    return response


def _axes_enabled() -> bool:
    return bool(getattr(settings, "AXES_ENABLED", True))  # set by axes.conf


class LockoutMiddleware(AxesMiddleware):
    """django-axes' middleware (a locked-out attempt's answer goes through `lockout_response`),
    minus the coroutine check it makes on every request: about 2 µs of CPU, a fiftieth of the
    health endpoint's and more than this whole middleware costs now. It decides sync or async
    once, as Django's own middleware do. (config/settings.py silences axes' check W002, which
    looks for axes' own class path in MIDDLEWARE.)
    """

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        self._async = iscoroutinefunction(get_response)

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        response = self.get_response(request)
        if getattr(request, "axes_locked_out", False) and _axes_enabled():
            credentials = getattr(request, "axes_credentials", None)
            response = get_lockout_response(request, response, credentials)
        return response

    async def __acall__(self, request: HttpRequest) -> Any:
        response = await self.get_response(request)
        if getattr(request, "axes_locked_out", False) and _axes_enabled():
            credentials = getattr(request, "axes_credentials", None)
            response = await sync_to_async(get_lockout_response)(request, response, credentials)
        return response


def end_sessions(*, user: Any) -> int:
    """Delete every browser session signed in as `user`; return how many.

    Sessions are found by reading each unexpired session, as only the (signed) session data
    names its user: about 40 µs of CPU per active session (1.3 s for 20,000 on PostgreSQL),
    which is why only the rare, throttled "sign out everywhere" calls it. With a session
    engine that keeps no table (cache or signed cookies) there is no list to read, and
    nothing is deleted.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is None:
        return 0
    user_id = str(user._meta.pk.value_to_string(user))
    reader = store_class()
    sessions = (
        get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    keys = [
        key
        for key, data in sessions.iterator(chunk_size=2000)
        if reader.decode(data).get(SESSION_KEY) == user_id
    ]
    for key in keys:
        store_class(key).delete()  # also from the cache, for the cached_db engine
    return len(keys)
