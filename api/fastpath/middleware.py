"""Django's browser-session middleware, left out of API calls that carry a token and no cookie.

Sessions, CSRF cookies, `request.user` from the session and flash messages serve browsers.
An API client that sends `Authorization: Token <key>` and no `Cookie` header has no session to
load, no CSRF cookie to read or rotate and no messages to keep: DRF authenticates it by its
token, and DRF's views are CSRF-exempt (DRF checks CSRF itself, only for session logins). For
such a request these four middleware did work whose result nothing reads, about a tenth of a
refused booking attempt's CPU in a rush (bench/README.md). The subclasses below keep Django's
behaviour for every other request, and `config/settings.py` lists them in Django's places, so
the admin's checks still find them.

What the response shows is the same either way: none of the four adds a header or a cookie
to a cookie-less request that never touched `request.session`, `request.user` (Django's, not
DRF's) or messages. tests/api/fastpath/test_middleware.py compares the two.
"""

from typing import Any

from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.http import HttpRequest
from django.middleware import csrf
from django.utils.deprecation import MiddlewareMixin

API_PREFIX = "/api/"
TOKEN_KEYWORD = "token "


def is_cookieless_token_call(request: HttpRequest) -> bool:
    """An API call authenticated by an `Authorization: Token` header that carries no cookie."""
    meta = request.META
    return (
        not meta.get("HTTP_COOKIE")
        and meta.get("HTTP_AUTHORIZATION", "")[: len(TOKEN_KEYWORD)].lower() == TOKEN_KEYWORD
        and request.path_info.startswith(API_PREFIX)
    )


class _BrowserOnly(MiddlewareMixin):
    """Runs the middleware's request and response steps for every request but token calls.

    Only `__call__` is skipped: a `process_view` (CSRF's check) still runs, and it fails
    closed without a CSRF cookie, as for any cookie-less request.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if is_cookieless_token_call(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_BrowserOnly, sessions_middleware.SessionMiddleware):
    pass


class CsrfViewMiddleware(_BrowserOnly, csrf.CsrfViewMiddleware):
    pass


class AuthenticationMiddleware(_BrowserOnly, auth_middleware.AuthenticationMiddleware):
    pass


class MessageMiddleware(_BrowserOnly, messages_middleware.MessageMiddleware):
    pass
