"""`api.fastpath.authentication`: the hand-written token lookups decide as DRF's own class does.

`FastTokenAuthentication` (DRF's path) is compared with `rest_framework`'s `TokenAuthentication`
key by key; `TOKEN_USER_SQL` (the fast path's read) finds exactly the users it accepts.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from api.authentication import TokenExpired
from api.fastpath.authentication import (
    TOKEN_USER_SQL,
    FastTokenAuthentication,
    token_user_params,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def outcome(authentication, key: str):  # type: ignore[no-untyped-def]
    try:
        user, token = authentication.authenticate_credentials(key)
    except exceptions.AuthenticationFailed as exc:
        return type(exc).__name__, str(exc.detail)
    return user.pk, user.username, user.is_active, token.key, token.user_id


def token_user(key: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {TOKEN_USER_SQL}", token_user_params(key, timezone.now()))
        return cursor.fetchone()[0]  # type: ignore[no-any-return]


@pytest.fixture
def keys():  # type: ignore[no-untyped-def]
    active = Token.objects.create(user=UserFactory(username="active")).key
    inactive = Token.objects.create(user=UserFactory(username="gone", is_active=False)).key
    return {
        "active": active,
        "inactive": inactive,
        "unknown": "0" * 40,
        "not hex": "not-a-key",
        "too long": "a" * 41,
        "empty": "",
    }


@pytest.mark.parametrize("case", ["active", "inactive", "unknown", "not hex", "too long", "empty"])
def test_each_key_is_decided_as_drf_decides(keys, case, settings):  # type: ignore[no-untyped-def]
    settings.API_TOKEN_TTL_DAYS = 0  # DRF's own class knows no expiry
    key = keys[case]
    assert outcome(FastTokenAuthentication(), key) == outcome(TokenAuthentication(), key)


def test_the_token_comes_with_its_user_loaded(keys):  # type: ignore[no-untyped-def]
    user, token = FastTokenAuthentication().authenticate_credentials(keys["active"])
    with CaptureQueriesContext(connection) as queries:
        assert token.user is user
    assert len(queries) == 0


def test_an_expired_token_is_refused_by_the_lookup_and_by_the_fast_paths_sql(keys, settings):  # type: ignore[no-untyped-def]
    settings.API_TOKEN_TTL_DAYS = 30
    Token.objects.filter(key=keys["active"]).update(created=timezone.now() - dt.timedelta(days=31))
    with pytest.raises(TokenExpired):
        FastTokenAuthentication().authenticate_credentials(keys["active"])
    assert token_user(keys["active"]) is None


def test_the_fast_paths_sql_finds_the_user_of_a_live_token(keys, settings):  # type: ignore[no-untyped-def]
    settings.API_TOKEN_TTL_DAYS = 30
    assert token_user(keys["active"]) == Token.objects.get(key=keys["active"]).user_id
    assert token_user(keys["unknown"]) is None
    # An inactive user is found: the fast path then leaves the 401 to DRF (is_active check).
    assert token_user(keys["inactive"]) == Token.objects.get(key=keys["inactive"]).user_id
