"""Sign-in input and the token's output (`/api/v1/auth/token/`)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def _username_length() -> int:
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    return int(getattr(field, "max_length", None) or 150)


class TokenCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """`{"username", "password"}`. Bounded, so that a failure's record (django-axes keeps the
    username) never meets a too-long value: longer input is no username that could sign in."""

    username = serializers.CharField(label=_("Username"), max_length=_username_length())
    password = serializers.CharField(
        label=_("Password"),
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
    )


class TokenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """`{"token", "expires_at"}`: send `Authorization: Token <token>`; `expires_at` is null when
    tokens do not expire (`API_TOKEN_TTL_DAYS=0`)."""

    token = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
