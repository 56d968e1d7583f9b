"""Waiting-list input (`WaitlistJoinSerializer`, `WaitlistListQuerySerializer`) and output
(`WaitlistEntrySerializer`). They parse and render; the services decide."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from api.serializers.fields import StrictIntegerField
from booking.services import MAX_PARTY_SIZE
from waitlist import selectors
from waitlist.models import WaitlistEntry


class WaitlistJoinSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """`{"party_size": 1}` (the slot is in the URL)."""

    party_size = StrictIntegerField(min_value=1, max_value=MAX_PARTY_SIZE, default=1)


class WaitlistListQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Filters of `GET /api/v1/waitlist/`; an unknown value is a 400, never an empty list."""

    status = serializers.ChoiceField(choices=WaitlistEntry.Status.choices, required=False)


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


class WaitlistEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A waiting-list entry as its resident sees it."""

    id = serializers.IntegerField()
    slot = serializers.IntegerField()
    venue = serializers.IntegerField()
    resource = serializers.IntegerField()
    venue_name = serializers.CharField()
    resource_name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    party_size = serializers.IntegerField()
    status = serializers.ChoiceField(choices=WaitlistEntry.Status.choices)
    position = serializers.IntegerField(
        allow_null=True, help_text="Place in line (1 = next offered) while waiting; else null."
    )
    created_at = serializers.DateTimeField()
    offered_at = serializers.DateTimeField(allow_null=True)
    offer_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="While offered: accept before this, or the offer passes on."
    )
    booking = serializers.IntegerField(
        allow_null=True, help_text="The hold that keeps the offered places, then the booking."
    )
    price = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="CNY, per place")

    def to_representation(self, instance: WaitlistEntry) -> dict[str, Any]:
        slot = instance.slot
        offered = instance.status == WaitlistEntry.Status.OFFERED
        return {
            "id": instance.pk,
            "slot": slot.pk,
            "venue": slot.venue_id,
            "resource": slot.resource_id,
            "venue_name": slot.venue.name_zh,
            "resource_name": slot.resource.name_zh,
            "starts_at": _iso(slot.starts_at),
            "ends_at": _iso(slot.ends_at),
            "party_size": instance.party_size,
            "status": instance.status,
            "position": selectors.position(instance),
            "created_at": _iso(instance.created_at),
            "offered_at": _iso(instance.offered_at),
            "offer_expires_at": _iso(instance.offer_expires_at) if offered else None,
            "booking": instance.booking_id,
            "price": f"{slot.price:.2f}",
        }
