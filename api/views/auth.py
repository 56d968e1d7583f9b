"""API tokens: sign in (`POST /auth/token/`), revoke the calling token (`DELETE /auth/token/`),
sign out everywhere (`POST /auth/token/revoke-all/`)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from api import tokens
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.auth import TokenCreateSerializer, TokenSerializer
from api.throttling import AuthThrottle
from api.views.base import ERROR, validated
from common.auth import signed_in_user
from common.errors import InvalidInputError

LOCKED = OpenApiResponse(
    description="`login_locked`: too many failed sign-ins from this client or for this "
    'username; `{"code", "detail", "retry_after"}` and a Retry-After header (seconds)'
)


class TokenView(APIView):
    """POST: exchange `{"username", "password"}` for `{"token", "expires_at"}`; send it as
    `Authorization: Token <t>`. The same token comes back until it expires
    (`API_TOKEN_TTL_DAYS` after it was issued), then a new one.

    DELETE: revoke the token this call was made with.
    """

    throttle_scope = "auth"
    # JSON only: one body format a generated client can send (a form is a 415).
    parser_classes = [JSONParser]

    def get_authenticators(self) -> list[BaseAuthentication]:
        # Signing in reads no credentials but the body's: a stale token header is no 401.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        return [IsSignedIn()] if self.request.method == "DELETE" else [AllowAny()]

    def get_throttles(self) -> list[BaseThrottle]:
        return [AuthThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenCreateSerializer,
        responses={200: TokenSerializer, 400: ERROR, 429: LOCKED},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = validated(TokenCreateSerializer, request.data)
        token = tokens.sign_in(
            request=request._request,  # Django's: django-axes marks a lockout on it
            username=values["username"],
            password=values["password"],
        )
        return Response(
            TokenSerializer({"token": token.key, "expires_at": tokens.expires_at(token)}).data
        )

    @extend_schema(
        operation_id="auth_token_destroy",
        request=None,
        responses={204: None, 400: ERROR, 401: ERROR},
    )
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not isinstance(request.auth, Token):
            raise InvalidInputError(
                _(
                    "This call was not made with an API token. To end every session and "
                    "token, use POST /api/v1/auth/token/revoke-all/."
                ),
                code="not_token_auth",
            )
        tokens.revoke_token(key=request.auth.key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(APIView):
    """POST: sign out everywhere: revoke every API token of the caller and end every browser
    session signed in as them, this one included."""

    permission_classes = [IsSignedIn]
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_revoke_all",
        request=None,
        responses={204: None, 401: ERROR},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tokens.sign_out_everywhere(request=request._request, user=signed_in_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
