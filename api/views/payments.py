"""Paying a held booking: what the pay page needs, and a server-side confirm for API clients."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.ids import parse_id
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.bookings import BookingSerializer
from api.serializers.events import RegistrationSerializer
from api.views.base import ERROR, validated
from booking.exceptions import BookingNotFoundError
from common.auth import signed_in_user
from events.exceptions import RegistrationNotFoundError
from payments import bookings, registrations


class PayInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    payment_method = serializers.CharField(
        max_length=255, help_text="A Stripe PaymentMethod id, e.g. pm_card_visa in test mode."
    )


# What paying can answer besides the paid booking or registration.
PAY_ERRORS = {400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR}
NO_STORE = {"Cache-Control": "no-store"}  # a client secret is never cached


class _PayView(APIView):
    """POST `{"payment_method": "pm_..."}` (PayInputSerializer) by the signed-in owner."""

    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @staticmethod
    def payment_method(request: Request) -> str:
        return str(validated(PayInputSerializer, request.data)["payment_method"])


class _PaymentPageFields(serializers.Serializer):  # type: ignore[type-arg]
    """What the pay page needs, whatever is paid for (a booking or a registration)."""

    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    currency = serializers.CharField()
    payment_method_types = serializers.ListField(child=serializers.CharField())
    client_secret = serializers.CharField(help_text="For Stripe.js; empty once settled.")
    publishable_key = serializers.CharField()
    hold_expires_at = serializers.DateTimeField(allow_null=True)

    def _payment_fields(
        self, instance: bookings.PaymentPage | registrations.RegistrationPaymentPage
    ) -> dict[str, Any]:
        return {
            "status": instance.payment.status,
            "amount": f"{instance.amount:.2f}",
            "currency": instance.currency,
            "payment_method_types": instance.payment_method_types,
            "client_secret": instance.client_secret,
            "publishable_key": instance.publishable_key,
            "hold_expires_at": serializers.DateTimeField().to_representation(
                instance.hold_expires_at
            )
            if instance.hold_expires_at
            else None,
        }


class PaymentPageSerializer(_PaymentPageFields):
    booking = serializers.IntegerField()

    def to_representation(self, instance: bookings.PaymentPage) -> dict[str, Any]:
        return {"booking": instance.booking.pk, **self._payment_fields(instance)}


class BookingPaymentView(APIView):
    """GET: the payment of the caller's booking (client secret while it awaits payment)."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="bookings_payment", responses={200: PaymentPageSerializer, 404: ERROR}
    )
    def get(self, request: Request, pk: str) -> Response:
        page = bookings.get_payment_page(
            booking_id=parse_id(pk, not_found=BookingNotFoundError), user=signed_in_user(request)
        )
        return Response(PaymentPageSerializer(page).data, headers=NO_STORE)


class BookingPayView(_PayView):
    """POST `{"payment_method": "pm_..."}`: confirm the held booking's PaymentIntent now."""

    @extend_schema(
        operation_id="bookings_pay",
        request=PayInputSerializer,
        responses={200: BookingSerializer, **PAY_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        booking = bookings.pay_booking(
            booking_id=parse_id(pk, not_found=BookingNotFoundError),
            user=signed_in_user(request),
            payment_method=self.payment_method(request),
        )
        return Response(BookingSerializer(booking).data)


# --- paid event registrations: the same flow as bookings ------------------------------------


class RegistrationPaymentPageSerializer(_PaymentPageFields):
    registration = serializers.IntegerField()

    def to_representation(self, instance: registrations.RegistrationPaymentPage) -> dict[str, Any]:
        return {"registration": instance.registration.pk, **self._payment_fields(instance)}


class RegistrationPaymentView(APIView):
    """GET: the payment of your held event registration (creates its PaymentIntent when the
    pay page first opens; client secret while it awaits payment)."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="registrations_payment",
        responses={200: RegistrationPaymentPageSerializer, 404: ERROR, 409: ERROR, 422: ERROR},
    )
    def get(self, request: Request, pk: str) -> Response:
        page = registrations.get_registration_payment_page(
            registration_id=parse_id(pk, not_found=RegistrationNotFoundError),
            user=signed_in_user(request),
        )
        return Response(RegistrationPaymentPageSerializer(page).data, headers=NO_STORE)


class RegistrationPayView(_PayView):
    """POST `{"payment_method": "pm_..."}`: confirm the held registration's PaymentIntent now."""

    @extend_schema(
        operation_id="registrations_pay",
        request=PayInputSerializer,
        responses={200: RegistrationSerializer, **PAY_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        registration = registrations.pay_registration(
            registration_id=parse_id(pk, not_found=RegistrationNotFoundError),
            user=signed_in_user(request),
            payment_method=self.payment_method(request),
        )
        return Response(RegistrationSerializer(registration).data)
