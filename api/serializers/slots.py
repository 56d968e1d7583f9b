"""Slot output: the venue availability view and the slot list, plus the availability query.

The declared fields document the shapes (OpenAPI). `to_representation` builds the same dicts
directly: availability renders thousands of slots per request in the rush before release time,
where DRF's per-field machinery would cost more than the queries (a test keeps the two in step).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import serializers

from api.filters import MAX_DATE, MIN_DATE
from booking import availability as av
from booking.models import Slot


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _price(value: Decimal) -> str:
    return f"{value:.2f}"


class AvailabilityQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """`?date=YYYY-MM-DD&days=N` of the availability view."""

    date = serializers.DateField(
        required=False, help_text="First day, Asia/Shanghai (default: today there)."
    )
    days = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=av.MAX_DAYS, help_text="1 to 14."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A query string's `date=` would read as absent; the schema says a date: refuse it.
        empty = {name: [gettext("Must not be empty.")] for name in ("date", "days")}
        empty = {name: m for name, m in empty.items() if self.initial_data.get(name) == ""}
        if empty:
            raise serializers.ValidationError(empty)
        return attrs

    def validate_date(self, value: dt.date) -> dt.date:
        if not MIN_DATE <= value <= MAX_DATE:
            raise serializers.ValidationError(f"Must be between {MIN_DATE} and {MAX_DATE}.")
        return value


class _SlotStateFields(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(help_text="People the slot admits (players per court).")
    remaining = serializers.IntegerField(
        help_text="Places left: shared slot = people; exclusive slot = 1 while free, 0 once booked."
    )
    price = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text='CNY; "0.00" when free.'
    )
    public_benefit = serializers.BooleanField(help_text="公益开放 hours.")
    bookable = serializers.BooleanField()
    reason = serializers.ChoiceField(
        choices=av.REASONS,
        allow_null=True,
        help_text=(
            "Why it is not bookable; null when it is. `payment_unavailable`: a paid slot while "
            "no payment provider is configured (booking it would answer 422 of that code)."
        ),
    )
    opens_at = serializers.DateTimeField(
        allow_null=True, help_text="When booking opens; set when reason is window_not_open."
    )
    closed_reason = serializers.CharField(help_text="Staff's note when reason is closed.")


class AvailabilitySlotSerializer(_SlotStateFields):
    allocation = serializers.ChoiceField(
        choices=[av.FCFS, av.BALLOT],
        help_text="`ballot` while a ballot round allocates the slot, else `fcfs`.",
    )
    ballot = serializers.IntegerField(
        allow_null=True, help_text="The ballot round's id while `allocation` is `ballot`."
    )


class AvailabilityResourceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In the active language.")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    sport = serializers.CharField(allow_null=True)
    exclusive = serializers.BooleanField()
    capacity = serializers.IntegerField()
    slots = AvailabilitySlotSerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    venue = serializers.IntegerField()
    date = serializers.DateField()
    days = serializers.IntegerField()
    resources = AvailabilityResourceSerializer(many=True)

    def to_representation(self, instance: av.Availability) -> dict[str, Any]:
        # Looked up once: the current time zone lives in a context-local, slow per slot.
        tz = timezone.get_current_timezone()
        return {
            "venue": instance.venue,
            "date": instance.date.isoformat(),
            "days": instance.days,
            "resources": [
                {
                    "id": r.id,
                    "name": r.name,
                    "name_zh": r.name_zh,
                    "name_en": r.name_en,
                    "sport": r.sport,
                    "exclusive": r.exclusive,
                    "capacity": r.capacity,
                    "slots": [_availability_slot(s, tz) for s in r.slots],
                }
                for r in instance.resources
            ],
        }


def _availability_slot(s: av.SlotAvailability, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "id": s.id,
        "starts_at": s.starts_at.astimezone(tz).isoformat(),
        "ends_at": s.ends_at.astimezone(tz).isoformat(),
        "capacity": s.capacity,
        "remaining": s.remaining,
        "price": _price(s.price),
        "public_benefit": s.public_benefit,
        "bookable": s.reason is None,
        "reason": s.reason,
        "opens_at": s.opens_at.astimezone(tz).isoformat() if s.opens_at else None,
        "closed_reason": s.closed_reason,
        "allocation": s.allocation,
        "ballot": s.ballot,
    }


class SlotSerializer(_SlotStateFields):
    """A slot in `GET /api/v1/slots/`; expects `context["now"]`."""

    allocation = serializers.ChoiceField(choices=[av.FCFS, av.BALLOT])
    ballot = serializers.IntegerField(allow_null=True)

    venue = serializers.IntegerField()
    resource = serializers.IntegerField()

    def to_representation(self, slot: Slot) -> dict[str, Any]:
        reason, opens_at = av.reason_for(slot, now=self.context["now"])
        allocation, ref = av.allocation_of(slot)
        return {
            "id": slot.pk,
            "venue": slot.venue_id,
            "resource": slot.resource_id,
            "starts_at": _iso(slot.starts_at),
            "ends_at": _iso(slot.ends_at),
            "capacity": slot.capacity,
            "remaining": slot.remaining,
            "price": _price(slot.price),
            "public_benefit": slot.public_benefit,
            "bookable": reason is None,
            "reason": reason,
            "opens_at": _iso(opens_at),
            "closed_reason": slot.closed_reason,
            "allocation": allocation,
            "ballot": ref,
        }
