"""GET /api/v1/venues/, /venues/{id}/ and /venues/{id}/availability/ (public reads)."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.caching import RenderedCache
from api.filters import InvalidFilterError, VenueFilter
from api.ids import parse_id
from api.serializers.slots import AvailabilityQuerySerializer, AvailabilitySerializer
from api.serializers.venues import VenueDetailSerializer, VenueSerializer
from api.views.base import ERROR, PublicReadViewSet, public_read_schema
from booking import rules
from booking.availability import get_availability
from venues.exceptions import VenueNotFoundError
from venues.models import Venue
from venues.selectors import get_venue_detail, list_venues

_rendered_availability = RenderedCache()


def _venue_id(pk: str) -> int:
    """The venue id in the URL: a positive whole number in ASCII digits, else 404."""
    return parse_id(pk, not_found=VenueNotFoundError)


VENUE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Venue id.")
VENUE_SUMMARIES = ("List venues", "One venue with resources, policy and opening hours")


@public_read_schema(VenueSerializer, VenueDetailSerializer, VENUE_ID, summaries=VENUE_SUMMARIES)
class VenueViewSet(PublicReadViewSet):
    filterset_class = VenueFilter
    serializer_class = VenueSerializer

    def get_queryset(self) -> QuerySet[Venue]:
        return list_venues()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        today = rules.local_date(timezone.now())
        venue = get_venue_detail(venue_id=_venue_id(kwargs["pk"]), on=today)
        return Response(VenueDetailSerializer(venue).data)

    @extend_schema(
        summary="Every slot of every resource, with places left and why not bookable",
        parameters=[VENUE_ID, AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer, 400: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def availability(self, request: Request, pk: str | None = None) -> HttpResponse:
        venue_id = _venue_id(pk or "")
        query = AvailabilityQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise InvalidFilterError(
                fields={k: [str(m) for m in v] for k, v in query.errors.items()}
            )
        now = timezone.now()
        date = query.validated_data.get("date") or rules.local_date(now)
        days = query.validated_data["days"]
        ttl = settings.AVAILABILITY_CACHE_MS / 1000
        if ttl <= 0 or request.accepted_renderer.format != "json":
            data = get_availability(venue_id=venue_id, date=date, days=days, now=now)
            return Response(AvailabilitySerializer(data).data)
        # The rendered grid is kept for a moment per process (api/caching.py): in a rush a
        # refresh costs a lookup instead of rendering thousands of slots.
        key = (venue_id, date, days, get_language())
        body = _rendered_availability.get(key)
        if body is None:
            data = get_availability(venue_id=venue_id, date=date, days=days, now=now)
            body = JSONRenderer().render(AvailabilitySerializer(data).data)
            _rendered_availability.put(key, body, ttl)
        return HttpResponse(body, content_type="application/json")
