"""Token authentication in one hand-written query, and the token's user as an SQL expression.

- `FastTokenAuthentication`: DRF's `TokenAuthentication` rules (plus the tokens' expiry,
  `api.authentication`) answered by one SELECT decoded with `common.db.rows.RowReader`, where
  DRF's own class compiles an ORM query per request. It is the class of DRF's path
  (`REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`).
- `TOKEN_USER_SQL` / `token_user_params`: the booking fast path reads the token's user in the
  statement that reads the slot (`booking.selectors.ResidentLookup`).
- `token_of`: the key of a header `TokenAuthentication` would accept, else None.
"""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from api.authentication import TokenExpired, expired_before, is_expired
from common.db.rows import RowReader

_user_reader: list[RowReader] = []
_token_reader: list[RowReader] = []

# The user id of an unexpired API token, as an SQL expression over `token_user_params(key,
# now)`: the booking endpoint's read finds the resident by it (booking.selectors.ResidentLookup),
# so that a rush's attempt needs no own query to authenticate, nor to check the token's age. An
# expired token finds no user, and the request goes to DRF, which answers 401 `token_expired`.
TOKEN_USER_SQL = (
    f"(SELECT t.user_id FROM {Token._meta.db_table} t WHERE t.key = %s AND t.created > %s)"
)


def token_user_params(key: str, now: dt.datetime) -> tuple[str, Any]:
    """The parameters of `TOKEN_USER_SQL` for the token `key` at `now`."""
    return key, connection.ops.adapt_datetimefield_value(expired_before(now))


def token_of(request: HttpRequest) -> str | None:
    """The key of a well-formed `Authorization: Token <key>` header, else None.

    What `TokenAuthentication` accepts; it alone words the errors of malformed headers.
    """
    # WSGI headers are latin-1 text; DRF splits and compares their bytes.
    parts = request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1").split()
    if len(parts) != 2 or parts[0].lower() != FastTokenAuthentication.keyword.lower().encode():
        return None
    try:
        key = parts[1].decode()
    except UnicodeError:
        return None
    # Not a key's characters: DRF's path refuses it (authenticate_credentials below).
    return key if key.isascii() and key.isalnum() else None


class FastTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, answered by one SELECT of the token's user.

    DRF's own class compiles `Token.objects.select_related("user").get(key=...)` on every
    request, which costs more CPU than the database spends on the query.
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        # Keys are 40 hex digits: anything else (a NUL, which PostgreSQL refuses in text, or
        # a megabyte of header) is no token of ours, answered without a query.
        if not (key.isascii() and key.isalnum() and len(key) <= 40):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not _user_reader:
            _user_reader.append(RowReader(get_user_model(), "u"))
            _token_reader.append(RowReader(Token, "t", ("key", "created")))
        reader, token_reader = _user_reader[0], _token_reader[0]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {reader.sql}, {token_reader.sql} "
                f"FROM {Token._meta.db_table} t "
                f"JOIN {get_user_model()._meta.db_table} u ON u.id = t.user_id "
                "WHERE t.key = %s",
                [key],
            )
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = reader.instance(row[: reader.width])
        token = token_reader.instance(row[reader.width :])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if is_expired(token, timezone.now()):
            raise TokenExpired()
        token.user_id = user.pk
        Token.user.field.set_cached_value(token, user)
        return user, token
