"""Waiting lists: queue for a full slot, list one's entries, accept / decline / withdraw.
Each view parses input, calls one service or selector and renders the result."""

from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.ids import parse_id
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.bookings import BookingSerializer
from api.serializers.waitlist import (
    WaitlistEntrySerializer,
    WaitlistJoinSerializer,
    WaitlistListQuerySerializer,
)
from api.views.base import ERROR, SignedInListView, list_operation, validated
from booking.exceptions import SlotNotFoundError
from common.auth import signed_in_user
from waitlist import selectors, services
from waitlist.exceptions import EntryNotFoundError
from waitlist.models import WaitlistEntry


def _entry_id(pk: str) -> int:
    return parse_id(pk, not_found=EntryNotFoundError)


def _render_entry(request: Request, entry: WaitlistEntry, code: int = 200) -> Response:
    entry = selectors.get_entry_for(user=signed_in_user(request), entry_id=entry.pk)
    return Response(WaitlistEntrySerializer(entry).data, status=code)


class SlotWaitlistJoinView(APIView):
    """POST: queue for a full slot."""

    renderer_classes = [JSONRenderer]
    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="slots_waitlist_create",
        request=WaitlistJoinSerializer,
        responses={
            201: WaitlistEntrySerializer,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
        },
    )
    def post(self, request: Request, pk: str) -> Response:
        slot_id = parse_id(pk, not_found=SlotNotFoundError)
        data = request.data if request.data is not None else {}
        values = validated(WaitlistJoinSerializer, data)
        entry = services.join_waitlist(
            resident=signed_in_user(request),
            slot_id=slot_id,
            party_size=values["party_size"],
        )
        return _render_entry(request, entry, status.HTTP_201_CREATED)


@list_operation("waitlist_list")
class WaitlistListView(SignedInListView):
    """GET: the caller's waiting-list entries, newest first (`?status=`)."""

    serializer_class = WaitlistEntrySerializer
    query_serializer_class = WaitlistListQuerySerializer

    def get_queryset(self) -> QuerySet[WaitlistEntry]:
        query = self.query()
        return selectors.list_entries_for(
            user=signed_in_user(self.request), status=query.get("status")
        )


class WaitlistAcceptView(APIView):
    """POST: accept an offer → 201 booking (confirmed, or held for payment)."""

    renderer_classes = [JSONRenderer]
    permission_classes = [IsSignedIn]

    @extend_schema(request=None, responses={201: BookingSerializer, 404: ERROR, 409: ERROR})
    def post(self, request: Request, pk: str) -> Response:
        booking = services.accept_offer(entry_id=_entry_id(pk), user=signed_in_user(request))
        return Response(
            BookingSerializer(booking).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/bookings/{booking.pk}/"},
        )


class _EntryCommandView(APIView):
    """POST: `command` (a waitlist service) on the caller's entry; answers the entry."""

    renderer_classes = [JSONRenderer]
    permission_classes = [IsSignedIn]
    command: Callable[..., WaitlistEntry]

    @extend_schema(request=None, responses={200: WaitlistEntrySerializer, 404: ERROR, 409: ERROR})
    def post(self, request: Request, pk: str) -> Response:
        entry = type(self).command(entry_id=_entry_id(pk), user=signed_in_user(request))
        return _render_entry(request, entry)


class WaitlistDeclineView(_EntryCommandView):
    """POST: decline an offer; its places go to the next in line."""

    command = staticmethod(services.decline_offer)


class WaitlistWithdrawView(_EntryCommandView):
    """POST: leave the waiting list (an open offer is given up)."""

    command = staticmethod(services.withdraw_entry)
