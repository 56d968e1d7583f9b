"""Events and registrations. Each view parses input, calls one events service or selector and
renders the result; errors are events.exceptions rendered by api.exceptions.

Who may do what is decided by the domain (events.selectors, events.lifecycle, events.registrations): residents see
public events only; organisers manage their organisation's events; district admins approve.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters_events import EventFilter, EventFilterBackend
from api.ids import parse_id
from api.pagination import StandardPagination
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.events import (
    EventCancelSerializer,
    EventCreateSerializer,
    EventPostponeSerializer,
    EventSerializer,
    EventUpdateSerializer,
    OrganiserRegistrationSerializer,
    RegistrationCreateSerializer,
    RegistrationQuerySerializer,
    RegistrationSerializer,
)
from api.views.base import ERROR, WRITE_ERRORS, SignedInListView, list_operation, validated
from common.auth import signed_in_user
from events import lifecycle, registrations, selectors
from events.exceptions import EventNotFoundError, RegistrationNotFoundError
from events.models import Event, Registration
from payments import registrations as payment_registrations

LIST_PARAMETERS = [
    OpenApiParameter(
        "starts_after",
        OpenApiTypes.DATETIME,
        description="YYYY-MM-DD (from 00:00 Asia/Shanghai) or an ISO 8601 datetime: events with "
        "an occurrence starting then or later (a running series qualifies). 400 `invalid_date`.",
    ),
    OpenApiParameter(
        "starts_before",
        OpenApiTypes.DATETIME,
        description="YYYY-MM-DD (the whole day included) or an ISO 8601 datetime: events whose "
        "first occurrence starts before it. 400 `invalid_date`.",
    ),
    OpenApiParameter("venue", OpenApiTypes.INT, description="Venue id."),
]


def _event_id(pk: str) -> int:
    """The event id in the URL: a positive whole number in ASCII digits, else 404."""
    return parse_id(pk, not_found=EventNotFoundError)


def _event_context(request: Request) -> dict[str, Any]:
    return {
        "request": request,
        "organisation_ids": selectors.organisation_ids_of(user=request.user),
    }


def _render_event(request: Request, event: Event, *, code: int = status.HTTP_200_OK) -> Response:
    # Re-read through the selector so that `my_registration` and visibility are the caller's.
    event = selectors.get_event(event_id=event.pk, viewer=request.user)
    return Response(EventSerializer(event, context=_event_context(request)).data, status=code)


class EventListView(generics.ListAPIView):  # type: ignore[type-arg]
    """GET: the events you may see, filtered and paginated, in order of (first) start."""

    permission_classes = [AllowAny]
    serializer_class = EventSerializer
    pagination_class = StandardPagination
    filter_backends = [EventFilterBackend]
    filterset_class = EventFilter
    queryset = Event.objects.none()  # EventFilter asks events.selectors.list_events instead

    @extend_schema(
        operation_id="events_list",
        parameters=LIST_PARAMETERS,
        responses={200: EventSerializer(many=True), 400: ERROR},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return _event_context(self.request)


class EventCreateView(APIView):
    """POST: create a draft event for your organisation (publish it with `.../publish/`)."""

    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="events_create",
        request=EventCreateSerializer,
        responses={201: EventSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        values = validated(EventCreateSerializer, request.data)
        event = lifecycle.create_event(by_user=request.user, **values)
        response = _render_event(request, event, code=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{event.pk}/"
        return response


class EventCollectionView(EventCreateView, EventListView):
    """`/api/v1/events/`: GET lists (EventListView), POST creates (EventCreateView)."""

    def get_permissions(self) -> list[Any]:
        if self.request.method == "POST":
            return [IsSignedIn()]
        return [AllowAny()]


class EventDetailView(APIView):
    """GET: one event you may see (drafts: members only). PATCH: change it (organisers)."""

    parser_classes = [JSONParser]

    def get_permissions(self) -> list[Any]:
        if self.request.method == "PATCH":
            return [IsSignedIn()]
        return [AllowAny()]

    @extend_schema(operation_id="events_retrieve", responses={200: EventSerializer, 404: ERROR})
    def get(self, request: Request, pk: str) -> Response:
        event = selectors.get_event(event_id=_event_id(pk), viewer=request.user)
        return Response(EventSerializer(event, context=_event_context(request)).data)

    @extend_schema(
        operation_id="events_partial_update",
        request=EventUpdateSerializer,
        responses={200: EventSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: str) -> Response:
        values = validated(EventUpdateSerializer, request.data, partial=True)
        event = lifecycle.update_event(event_id=_event_id(pk), by_user=request.user, changes=values)
        return _render_event(request, event)


class _EventTransitionView(APIView):
    """POST (no body): `transition` (an events.lifecycle service) on the event; answers it."""

    permission_classes = [IsSignedIn]
    transition: Callable[..., Event]

    @extend_schema(request=None, responses={200: EventSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        event = type(self).transition(event_id=_event_id(pk), by_user=request.user)
        return _render_event(request, event)


class EventPublishView(_EventTransitionView):
    """POST: publish (or re-publish a postponed event); at a public venue, or for an organisation
    not approved yet, the event goes to `pending_approval` until a district admin approves it."""

    transition = staticmethod(lifecycle.publish_event)


class EventApproveView(_EventTransitionView):
    """POST: approve an event awaiting approval, which publishes it (district admins)."""

    transition = staticmethod(lifecycle.approve_event)


class EventPostponeView(APIView):
    """POST `{"reason"?, "starts_at"?, "ends_at"?}`: postpone; registrations are kept."""

    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @extend_schema(
        request=EventPostponeSerializer, responses={200: EventSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, pk: str) -> Response:
        values = validated(EventPostponeSerializer, request.data)
        event = lifecycle.postpone_event(event_id=_event_id(pk), by_user=request.user, **values)
        return _render_event(request, event)


class EventCancelView(APIView):
    """POST `{"reason"?}`: cancel for good; subscribers and registrants see it cancelled."""

    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @extend_schema(request=EventCancelSerializer, responses={200: EventSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        values = validated(EventCancelSerializer, request.data)
        event = lifecycle.cancel_event(event_id=_event_id(pk), by_user=request.user, **values)
        return _render_event(request, event)


@list_operation("events_registrations_list")
class EventRegistrationListView(SignedInListView):
    """GET: an event's registrations for its organisers: confirmed, then the waiting list in order
    (`?status=cancelled` for the cancelled ones)."""

    serializer_class = OrganiserRegistrationSerializer
    query_serializer_class = RegistrationQuerySerializer

    def get_queryset(self) -> QuerySet[Registration]:
        query = self.query()
        return selectors.list_registrations(
            event_id=_event_id(self.kwargs["pk"]),
            viewer=self.request.user,
            status=query.get("status"),
        ).select_related("event")


class EventRegisterView(APIView):
    """POST `{"party_size"?: 1}`: register, or join the waiting list when the event is full
    (201 with `status` confirmed|waitlisted and `position` on the waiting list). A paid event's
    place is `held` with `hold_expires_at` and a `payment_url` (the intent is created when the
    pay page opens); 422 `payment_unavailable` while online payment is off."""

    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="events_registrations_create",
        request=RegistrationCreateSerializer,
        responses={201: RegistrationSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        values = validated(RegistrationCreateSerializer, request.data)
        result = registrations.register(
            event_id=_event_id(pk),
            resident=request.user,
            party_size=values["party_size"],
        )
        registration = Registration.objects.select_related("event").get(pk=result.registration.pk)
        body = RegistrationSerializer(registration, context={"position": result.position}).data
        return Response(body, status=status.HTTP_201_CREATED)


class EventRegistrationsView(EventRegisterView, EventRegistrationListView):
    """`/api/v1/events/{id}/registrations/`: GET for organisers, POST to register."""


@list_operation("registrations_list")
class RegistrationListView(SignedInListView):
    """GET: your own registrations (with the waiting-list position), soonest event first."""

    serializer_class = RegistrationSerializer
    query_serializer_class = RegistrationQuerySerializer

    def get_queryset(self) -> QuerySet[Registration]:
        query = self.query()
        return selectors.list_resident_registrations(
            user=self.request.user, status=query.get("status")
        )


class RegistrationCancelView(APIView):
    """POST: cancel your registration; a freed place goes to the waiting list at once. A paid
    place is refunded in full while registration is still open."""

    permission_classes = [IsSignedIn]

    @extend_schema(request=None, responses={200: RegistrationSerializer, **WRITE_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        registration = payment_registrations.cancel_registration(
            registration_id=parse_id(pk, not_found=RegistrationNotFoundError),
            by_user=signed_in_user(request),
        )
        return Response(RegistrationSerializer(registration).data)
