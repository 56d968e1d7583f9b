"""API tokens' lifetime: a token expires `API_TOKEN_TTL_DAYS` days after it was issued (0: never).

The token lookup itself (`FastTokenAuthentication`, DRF's rules in one hand-written query) and
the token's user as an SQL expression for the booking fast path live in
`api.fastpath.authentication`.
"""

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

# What a token issued before any real one compares with when tokens never expire.
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class TokenExpired(exceptions.AuthenticationFailed):
    """401 `token_expired`: ask `POST /api/v1/auth/token/` for a new one."""

    error_code = "token_expired"
    default_detail = gettext_lazy("The token has expired: sign in again for a new one.")


def expired_before(now: dt.datetime) -> dt.datetime:
    """Tokens issued at or before this moment have expired (`API_TOKEN_TTL_DAYS`; 0: never)."""
    days = settings.API_TOKEN_TTL_DAYS
    return now - dt.timedelta(days=days) if days > 0 else _NEVER


def is_expired(token: Token, now: dt.datetime) -> bool:
    return token.created <= expired_before(now)
