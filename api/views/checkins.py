"""Check-in: gates and staff scan codes; residents fetch their QR image; anyone the public key.

Gate devices authenticate with `Authorization: Gate <token>` (a GateDevice bound to a venue);
staff with their usual token or session.
"""

import base64
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fastpath.authentication import FastTokenAuthentication
from api.ids import parse_id
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.checkins import (
    CheckinCreateSerializer,
    CheckinResultSerializer,
    PublicKeySerializer,
)
from api.views.base import ERROR, validated
from booking.exceptions import BookingNotFoundError
from checkin import gates, keys, qr, selectors, services
from checkin.models import GateDevice
from common.auth import signed_in_user

CODE_FORMAT = (
    "base64url without padding of a 21-byte big-endian body (u8 version=1, u64 booking id, "
    "u32 venue id, u32 valid-from, u32 valid-to as Unix seconds) followed by its 64-byte "
    "Ed25519 signature over the body"
)


class GateAuthentication(BaseAuthentication):
    """`Authorization: Gate <token>`: a check-in gate of one venue (no user)."""

    keyword = b"gate"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, GateDevice] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(gettext("Malformed gate credentials."))
        device = gates.get_gate_device(token=parts[1].decode("latin-1"))
        if device is None:
            raise exceptions.AuthenticationFailed(gettext("Unknown or disabled gate."))
        return AnonymousUser(), device

    def authenticate_header(self, request: Request) -> str:
        return "Gate"


class IsGateOrVenueStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if isinstance(request.auth, GateDevice):
            return True
        user = request.user
        return bool(user and user.is_authenticated and selectors.is_any_venue_staff(user))


class CheckinCreateView(APIView):
    """POST `{"code"}`: may this party enter now? Records the scan and, if allowed, the check-in."""

    authentication_classes = [GateAuthentication, FastTokenAuthentication, SessionAuthentication]
    permission_classes = [IsGateOrVenueStaff]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="checkins_create",
        request=CheckinCreateSerializer,
        responses={200: CheckinResultSerializer, 400: ERROR, 401: ERROR, 403: ERROR},
    )
    def post(self, request: Request) -> Response:
        values = validated(CheckinCreateSerializer, request.data)
        device = request.auth if isinstance(request.auth, GateDevice) else None
        result = services.check_in(
            code=values["code"],
            device=device,
            staff=None if device is not None else signed_in_user(request),
        )
        return Response(CheckinResultSerializer(result).data)


class CheckinPublicKeyView(APIView):
    """GET: the Ed25519 public key that verifies check-in codes offline."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="checkins_public_key", responses={200: PublicKeySerializer})
    def get(self, request: Request) -> Response:
        raw = keys.public_key_bytes()
        body = {
            "algorithm": "Ed25519",
            "public_key": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
            "public_key_pem": keys.public_key_pem(),
            "code_format": CODE_FORMAT,
        }
        return Response(body, headers={"Cache-Control": "public, max-age=3600"})


class BookingQrView(APIView):
    """GET: the check-in QR code of the caller's confirmed booking (see the two routes below)."""

    permission_classes = [IsSignedIn]
    kind: str = "svg"

    def get(self, request: Request, pk: str) -> HttpResponse:
        booking_id = parse_id(pk, not_found=BookingNotFoundError)
        kind: Literal["svg", "png"] = "png" if self.kind == "png" else "svg"
        image = qr.get_booking_qr(booking_id=booking_id, user=signed_in_user(request), kind=kind)
        response = HttpResponse(image, content_type=QR_TYPES[kind])
        response["Cache-Control"] = "private, max-age=300"
        return response


QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _qr_schema(kind: str) -> Any:
    """The schema of GET .../qr.<kind>: the image, or 404."""
    image = OpenApiResponse(OpenApiTypes.BINARY, description="QR code")
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"bookings_qr_{kind}",
            responses={(200, QR_TYPES[kind]): image, 404: ERROR},
        )
    )


@_qr_schema("svg")
class BookingQrSvgView(BookingQrView):
    kind = "svg"


@_qr_schema("png")
class BookingQrPngView(BookingQrView):
    kind = "png"


class GateAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """Documents `Authorization: Gate <token>` in the OpenAPI schema."""

    target_class = GateAuthentication
    name = "gateAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Gate <token>` of a check-in gate (GateDevice) of one venue.",
        }
