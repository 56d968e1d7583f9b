"""Venue output: the list item (`VenueSerializer`) and the detail (`VenueDetailSerializer`)."""

from typing import Any

from django.utils.translation import get_language
from rest_framework import serializers

from api.serializers.fields import OptionalURLField
from checkin.selectors import get_live_occupancy
from venues.models import BookingPolicy, Resource, Sport, Venue


def _in_language(zh: str, en: str) -> str:
    """The English text when the active language is English and there is one, else the Chinese."""
    return en if en and (get_language() or "").startswith("en") else zh


class SportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(read_only=True, help_text="In the active language.")

    class Meta:
        model = Sport
        fields = ["code", "name", "name_zh", "name_en"]


class VenueSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A venue in lists: where it is, what it offers."""

    name = serializers.CharField(read_only=True, help_text="In the active language.")
    address = serializers.SerializerMethodField(help_text="In the active language.")
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    sports = SportSerializer(many=True, read_only=True)
    image_url = OptionalURLField(read_only=True)
    amenities = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Venue
        fields = [
            "id",
            "slug",
            "name",
            "name_zh",
            "name_en",
            "kind",
            "district",
            "street",
            "address",
            "address_zh",
            "address_en",
            "latitude",
            "longitude",
            "sports",
            "amenities",
            "image_url",
            "is_demo",
        ]
        read_only_fields = fields

    def get_address(self, venue: Venue) -> str:
        return _in_language(venue.address_zh, venue.address_en)


class ResourceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(read_only=True, help_text="In the active language.")
    sport: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Resource
        fields = ["id", "name", "name_zh", "name_en", "sport", "exclusive", "capacity"]
        read_only_fields = fields


class BookingPolicySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = BookingPolicy
        fields = [
            "window_days",
            "release_time",
            "max_bookings_per_day",
            "max_bookings_per_week",
            "max_hours_per_day",
            "cancel_deadline_hours",
            "hold_minutes",
            "checkin_opens_minutes",
            "checkin_closes_minutes",
        ]
        read_only_fields = fields


class DayHoursSerializer(serializers.Serializer):  # type: ignore[type-arg]
    weekday = serializers.IntegerField(help_text="0 = Monday ... 6 = Sunday.")
    opens_at = serializers.TimeField()
    closes_at = serializers.TimeField()


class PriceRangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    min = serializers.DecimalField(
        max_digits=8, decimal_places=2, source="price_min", allow_null=True, help_text="CNY"
    )
    max = serializers.DecimalField(
        max_digits=8, decimal_places=2, source="price_max", allow_null=True, help_text="CNY"
    )


class VenueDetailSerializer(VenueSerializer):
    """A venue with its resources, booking policy and a summary of its opening rules."""

    description = serializers.SerializerMethodField(help_text="In the active language.")
    resources = ResourceSerializer(many=True, read_only=True, source="active_resources")
    policy = BookingPolicySerializer(read_only=True, allow_null=True)
    opening_hours = DayHoursSerializer(
        many=True,
        read_only=True,
        source="rules_summary.opening_hours",
        help_text="Earliest opening and latest closing per weekday, over all resources.",
    )
    public_benefit_hours = DayHoursSerializer(
        many=True,
        read_only=True,
        source="rules_summary.public_benefit_hours",
        help_text="公益开放: hours that are free or low-price by policy.",
    )
    price_range = PriceRangeSerializer(read_only=True, source="rules_summary")
    occupancy = serializers.SerializerMethodField(
        help_text="Smart gyms: people checked in for the slots running now; null elsewhere."
    )

    class Meta(VenueSerializer.Meta):
        fields = [
            *VenueSerializer.Meta.fields,
            "description",
            "description_zh",
            "description_en",
            "accessibility_notes",
            "phone",
            "resources",
            "policy",
            "opening_hours",
            "public_benefit_hours",
            "price_range",
            "occupancy",
        ]
        read_only_fields = fields

    def get_description(self, venue: Venue) -> str:
        return _in_language(venue.description_zh, venue.description_en)

    def get_occupancy(self, venue: Venue) -> int | None:
        if venue.kind != Venue.Kind.SMART_GYM:
            return None
        return get_live_occupancy(venue_id=venue.pk)
