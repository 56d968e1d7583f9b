"""Bookings: list, detail, one-click create, cancel. Each view parses input, calls one service
or selector and renders the result; errors are domain exceptions rendered by api.exceptions."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fastpath import booking_create
from api.ids import parse_id
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.bookings import (
    BookingCreateSerializer,
    BookingListQuerySerializer,
    BookingSerializer,
    parse_booking_create,
)
from api.throttling import BookingCreateThrottle
from api.views.base import ERROR, SignedInListView, list_operation
from booking import selectors, services
from booking.exceptions import BookingNotFoundError
from booking.models import Booking
from common.auth import signed_in_user

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Up to 100 visible ASCII characters. A repeat by the same user returns the "
    "first booking (200) instead of making a second one.",
)


class JSONOnly(DefaultContentNegotiation):
    """Bookings answer JSON whatever the Accept header says: no Accept parsing per attempt."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


def _booking_id(pk: str) -> int:
    return parse_id(pk, not_found=BookingNotFoundError)


class BookingCreateView(APIView):
    """POST: book a slot in one click."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly
    permission_classes = [IsSignedIn]
    throttle_classes = [BookingCreateThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="bookings_create",
        request=BookingCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: BookingSerializer,
            200: OpenApiResponse(BookingSerializer, description="Replay of an Idempotency-Key"),
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
            429: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        slot_id, party_size = parse_booking_create(request.data)
        result = services.place_booking(
            resident=signed_in_user(request),
            slot_id=slot_id,
            party_size=party_size,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        return self.answer(request.path, result)

    @staticmethod
    def answer(path: str, result: services.BookingResult) -> Response:
        """201 with the new booking, or 200 with the booking an Idempotency-Key replayed."""
        body = BookingSerializer(result.booking).data
        if result.created:
            return Response(
                body,
                status=status.HTTP_201_CREATED,
                headers={"Location": f"{path}{result.booking.pk}/"},
            )
        return Response(body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})


@list_operation("bookings_list")
class BookingListView(SignedInListView):
    """GET: the caller's bookings (staff: `?venue=` lists that venue's bookings)."""

    serializer_class = BookingSerializer
    query_serializer_class = BookingListQuerySerializer

    def get_queryset(self) -> QuerySet[Booking]:
        query = self.query()
        venue = query.get("venue")
        return selectors.list_bookings_for(
            user=signed_in_user(self.request),
            venue_id=venue.pk if venue else None,
            status=query.get("status"),
            when=query.get("when"),
        )


class BookingCollectionView(BookingCreateView, BookingListView):
    """`/api/v1/bookings/`: GET lists (BookingListView), POST books (BookingCreateView).

    A well-formed POST with an API token takes the short path of `api.fastpath.booking_create`, which answers
    as `BookingCreateView` would; everything else goes through DRF.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            response = booking_create.create_booking(request, self)
            if response is not None:
                return response
        return super().dispatch(request, *args, **kwargs)


class BookingDetailView(APIView):
    """GET: one booking the caller may see (their own, or their venue's when staff)."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly
    permission_classes = [IsSignedIn]

    @extend_schema(responses={200: BookingSerializer, 404: ERROR})
    def get(self, request: Request, pk: str) -> Response:
        booking = selectors.get_booking_for(
            user=signed_in_user(request), booking_id=_booking_id(pk)
        )
        return Response(BookingSerializer(booking).data)


class BookingCancelView(APIView):
    """POST: cancel a booking (the resident's own, or any of their venue's when staff)."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly
    permission_classes = [IsSignedIn]

    @extend_schema(request=None, responses={200: BookingSerializer, 404: ERROR, 409: ERROR})
    def post(self, request: Request, pk: str) -> Response:
        booking = services.cancel_booking(
            booking_id=_booking_id(pk), by_user=signed_in_user(request)
        )
        return Response(BookingSerializer(booking).data)
