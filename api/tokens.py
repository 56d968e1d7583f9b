"""API tokens: sign in for one, revoke it, sign out everywhere.

DRF's `authtoken` table holds one token per user. A token expires `API_TOKEN_TTL_DAYS` after it
was issued (`api.authentication`); signing in again then issues a new one. Passwords go through
`django.contrib.auth.authenticate(request, ...)`, where django-axes limits guessing per client
and per account (`common.logins`).
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate, logout
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled

from api.authentication import is_expired
from common.errors import InvalidInputError
from common.logins import (
    LOCKED_DETAIL,
    end_sessions,
    is_locked_out,
    lock_retry_after,
    mark_lock_shown,
)


class LoginLocked(Throttled):
    """429 `login_locked` with Retry-After: too many failed sign-ins from this client or for
    this username; every attempt is refused, right password or not, until the lock ends."""

    error_code = "login_locked"
    default_detail = LOCKED_DETAIL


def sign_in(*, request: HttpRequest, username: str, password: str) -> Token:
    """Exchange a password for the user's API token: the current one while it is valid, else a
    new one.

    `request` is Django's request (not DRF's): django-axes marks a refusal on it, and its
    middleware reads the mark there. Raises `LoginLocked` while the client or the username is
    locked out, `InvalidInputError` for wrong credentials or an inactive user.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        if is_locked_out(request):
            mark_lock_shown(request)
            raise LoginLocked(wait=lock_retry_after(request))
        raise InvalidInputError(_("Unable to log in with provided credentials."))
    return fresh_token(user=user)


def fresh_token(*, user: User) -> Token:
    """The user's token, replaced by a new one if it has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and is_expired(token, timezone.now()):
        # By key: of two sign-ins racing here, one deletes and one finds nothing to delete;
        # get_or_create then gives both the one new token.
        Token.objects.filter(key=token.key).delete()
        token, _created = Token.objects.get_or_create(user=user)
    return token


def expires_at(token: Token) -> dt.datetime | None:
    days = settings.API_TOKEN_TTL_DAYS
    return token.created + dt.timedelta(days=days) if days > 0 else None


def revoke_token(*, key: str) -> None:
    """Delete one token: calls with it are refused from now on (401)."""
    Token.objects.filter(key=key).delete()


def sign_out_everywhere(*, request: HttpRequest, user: User) -> None:
    """Revoke every API token of `user` and end every browser session signed in as them,
    the caller's own included."""
    Token.objects.filter(user=user).delete()
    session = getattr(request, "session", None)  # none on a cookie-less token call
    if session is not None and session.get(SESSION_KEY) == str(user.pk):
        logout(request)  # this browser: a fresh anonymous session, as after signing out
    end_sessions(user=user)
