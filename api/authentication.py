"""Token authentication with one hand-written query (the same rules as DRF's)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from booking.selectors import RowReader

_user_reader: list[RowReader] = []


# The user id of an API token, as an SQL expression: the booking endpoint's read finds the
# resident by it (booking.selectors.ResidentLookup), so that a rush's attempt needs no own query
# to authenticate.
TOKEN_USER_SQL = f"(SELECT t.user_id FROM {Token._meta.db_table} t WHERE t.key = %s)"


def token_of(request: HttpRequest) -> str | None:
    """The key of a well-formed `Authorization: Token <key>` header, else None.

    What `TokenAuthentication` accepts; it alone words the errors of malformed headers.
    """
    # WSGI headers are latin-1 text; DRF splits and compares their bytes.
    parts = request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1").split()
    if len(parts) != 2 or parts[0].lower() != FastTokenAuthentication.keyword.lower().encode():
        return None
    try:
        return parts[1].decode()
    except UnicodeError:
        return None


class FastTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, answered by one SELECT of the token's user.

    DRF's own class compiles `Token.objects.select_related("user").get(key=...)` on every
    request, which costs more CPU than the database spends on the query.
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not _user_reader:
            _user_reader.append(RowReader(get_user_model(), "u"))
        reader = _user_reader[0]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {reader.sql} FROM {get_user_model()._meta.db_table} u "
                f"WHERE u.id = {TOKEN_USER_SQL}",
                [key],
            )
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = reader.instance(row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token(key=key, user=user)
        token._state.adding = False
        return user, token
