"""A resident's standing (strikes, suspension) and staff waiving a strike."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.ids import parse_id
from api.permissions import IsSignedIn
from api.serializers.bookings import BookingSerializer
from api.serializers.standing import StandingSerializer, StrikeSerializer
from api.views.base import ERROR
from booking import standing
from booking.exceptions import BookingNotFoundError, StrikeNotFoundError
from common.auth import signed_in_user

# What a staff command can answer besides its result: not staff there, unknown, already done.
STAFF_ERRORS = {403: ERROR, 404: ERROR, 409: ERROR}


class MyStandingView(APIView):
    """GET: the caller's strikes and whether (until when) their booking is suspended."""

    permission_classes = [IsSignedIn]

    @extend_schema(operation_id="me_standing", responses={200: StandingSerializer})
    def get(self, request: Request) -> Response:
        return Response(
            StandingSerializer(standing.get_standing(user=signed_in_user(request))).data
        )


class StrikeWaiveView(APIView):
    """POST: waive a strike (staff of the strike's venue); lifts a suspension below the limit."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="strikes_waive",
        request=None,
        responses={200: StrikeSerializer, **STAFF_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        strike_id = parse_id(pk, not_found=StrikeNotFoundError)
        strike = standing.waive_strike(strike_id=strike_id, by_user=signed_in_user(request))
        return Response(StrikeSerializer(strike).data)


class BookingNoShowView(APIView):
    """POST: venue staff mark a confirmed booking whose slot has started as a no-show (a strike)."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="bookings_no_show",
        request=None,
        responses={200: BookingSerializer, **STAFF_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        booking_id = parse_id(pk, not_found=BookingNotFoundError)
        booking = standing.mark_no_show(booking_id=booking_id, by_user=signed_in_user(request))
        return Response(BookingSerializer(booking, context={"request": request}).data)
