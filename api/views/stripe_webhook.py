"""POST /api/v1/payments/stripe/webhook/: Stripe's events, verified by signature, applied once."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import webhooks


class StripeWebhookView(APIView):
    """Stripe signs the raw body (`Stripe-Signature`); a bad signature is a 400 and changes
    nothing. A replayed event answers 200 with outcome `duplicate`."""

    authentication_classes: list[Any] = []  # the signature is the authentication
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        operation_id="payments_stripe_webhook",
        request=None,
        responses={
            200: OpenApiResponse(description='`{"received": true, "outcome": "..."}`'),
            400: OpenApiResponse(description="bad signature or malformed event"),
        },
    )
    def post(self, request: Request) -> Response:
        outcome = webhooks.handle_webhook(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
        return Response({"received": True, "outcome": outcome})
