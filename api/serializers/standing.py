"""Standing shapes: a resident's strikes and suspension (`GET /me/standing/`), a waived strike."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from booking.models import Strike
from booking.standing import Standing


class StrikeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Strike
        fields = ["id", "kind", "booking", "venue", "created_at", "waived_at"]


class StandingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    suspended = serializers.BooleanField()
    suspended_until = serializers.DateTimeField(allow_null=True)
    active_strikes = serializers.IntegerField(
        help_text="Unwaived strikes inside their venue's counting period."
    )
    strikes = StrikeSerializer(many=True)

    def to_representation(self, instance: Standing) -> dict[str, Any]:
        until = instance.suspended_until
        return {
            "suspended": until is not None,
            "suspended_until": timezone.localtime(until).isoformat() if until else None,
            "active_strikes": instance.active_strikes,
            "strikes": StrikeSerializer(instance.strikes, many=True).data,
        }
