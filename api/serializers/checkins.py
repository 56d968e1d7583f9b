"""Check-in input and output (`POST /checkins/`, `GET /checkins/public-key/`)."""

from typing import Any

from rest_framework import serializers

from checkin.services import CheckinResult


class CheckinCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """`{"code": "..."}`: the text of a scanned check-in QR code."""

    code = serializers.CharField(max_length=200, trim_whitespace=True)


class CheckinBookingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """What a gate shows: whose party, how many, which slot (no personal data beyond a name)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    party_size = serializers.IntegerField()
    venue = serializers.IntegerField(source="venue_id")
    resource = serializers.IntegerField(source="resource_id")
    resource_name = serializers.CharField(source="resource.name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)


class CheckinResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    allowed = serializers.BooleanField()
    reason = serializers.CharField(
        allow_null=True,
        help_text="null when allowed; else invalid_code, wrong_venue, cancelled, not_confirmed, "
        "no_show, already_used, too_early or too_late.",
    )
    booking = CheckinBookingSerializer(allow_null=True)
    checkin = serializers.IntegerField(help_text="Id of the recorded scan.")

    def to_representation(self, instance: CheckinResult) -> dict[str, Any]:
        booking = instance.booking
        return {
            "allowed": instance.allowed,
            "reason": instance.reason,
            "booking": CheckinBookingSerializer(booking).data if booking is not None else None,
            "checkin": instance.checkin.pk,
        }


class PublicKeySerializer(serializers.Serializer):  # type: ignore[type-arg]
    algorithm = serializers.CharField()
    public_key = serializers.CharField(help_text="Raw 32-byte Ed25519 key, base64url, no padding")
    public_key_pem = serializers.CharField()
    code_format = serializers.CharField()
