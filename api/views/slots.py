"""GET /api/v1/slots/ and /slots/{id}/ (public reads)."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import SlotFilter
from api.ids import parse_id
from api.serializers.slots import SlotSerializer
from api.views.base import PublicReadViewSet, public_read_schema
from booking.availability import get_slot, list_slots
from booking.exceptions import SlotNotFoundError
from booking.models import Slot

SLOT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Slot id.")


@public_read_schema(SlotSerializer, SlotSerializer, SLOT_ID, summaries=("List slots", "One slot"))
class SlotViewSet(PublicReadViewSet):
    filterset_class = SlotFilter
    serializer_class = SlotSerializer

    def get_queryset(self) -> QuerySet[Slot]:
        return list_slots()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        slot = get_slot(slot_id=parse_id(kwargs["pk"], not_found=SlotNotFoundError))
        return Response(SlotSerializer(slot, context=self.get_serializer_context()).data)
