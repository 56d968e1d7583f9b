"""Event and registration input (`EventCreateSerializer`, `EventUpdateSerializer`, ...) and output
(`EventSerializer`, `RegistrationSerializer`). Serializers parse and render: the rules (time
range, RRULE, category, capacity) are checked by events.lifecycle and events.registrations, which
raise coded errors.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.ids import MAX_ID
from api.serializers.fields import OptionalURLField, StrictIntegerField
from common.urls import RequestLike, absolute_url, webcal_url
from events.models import Event, Registration
from events.registrations import MAX_PARTY_SIZE
from payments.selectors import registration_payment_path


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime with its UTC offset; a naive one is refused, never guessed."""

    default_error_messages = {
        "naive": gettext_lazy("Give the UTC offset, e.g. 2026-05-01T09:00:00+08:00."),
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)  # type: ignore[no-any-return]


class LinkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    # A field called `label` shadows Field.label (this serializer is also used as a field).
    label = serializers.CharField(max_length=100, allow_blank=True)  # type: ignore[assignment]
    url = serializers.CharField(max_length=500)


class _RejectUnknownFieldsMixin:
    """A misspelt or read-only field (e.g. "status") is a 400, not silently ignored."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        known = set(self.fields)  # type: ignore[attr-defined]
        initial = getattr(self, "initial_data", {}) or {}
        unknown = sorted(set(initial) - known) if isinstance(initial, dict) else []
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown or read-only field.")] for name in unknown}
            )
        return attrs


class EventWriteFields(_RejectUnknownFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    title_zh = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200, allow_blank=True, required=False)
    description_zh = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    description_en = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    category = serializers.CharField(
        max_length=40,
        help_text="race, esports, tennis, dance, mind_sports, fitness, culture or other "
        "(anything else: 400 `unknown_category`).",
    )
    venue = StrictIntegerField(
        source="venue_id", allow_null=True, required=False, min_value=1, max_value=MAX_ID
    )
    location_zh = serializers.CharField(max_length=255, allow_blank=True, required=False)
    location_en = serializers.CharField(max_length=255, allow_blank=True, required=False)
    latitude = serializers.FloatField(allow_null=True, required=False)
    longitude = serializers.FloatField(allow_null=True, required=False)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    rrule = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        help_text='RFC 5545 RRULE value, e.g. "FREQ=WEEKLY;BYDAY=SA;COUNT=8" (400 '
        "`invalid_rrule` when invalid). Read in Asia/Shanghai time.",
    )
    exdates = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=200,
        help_text="Skipped occurrences: aware ISO 8601 datetimes of occurrences of the rule.",
    )
    registration_opens_at = AwareDateTimeField(allow_null=True, required=False)
    registration_closes_at = AwareDateTimeField(allow_null=True, required=False)
    capacity = StrictIntegerField(
        allow_null=True, required=False, min_value=1, help_text="Empty: unlimited."
    )
    waitlist_enabled = serializers.BooleanField(required=False)
    price = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, help_text="CNY"
    )
    image_url = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        help_text='An http(s) URL, or "" for none.',
    )
    links = LinkSerializer(many=True, required=False)


class EventCreateSerializer(EventWriteFields):
    """Body of `POST /api/v1/events/`: a draft event of one of the caller's organisations."""

    organisation = StrictIntegerField(
        source="organisation_id",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Your organisation's id; optional when you belong to exactly one.",
    )


class EventUpdateSerializer(EventWriteFields):
    """Body of `PATCH /api/v1/events/{id}/`: any editable field; status changes are commands."""


class EventPostponeSerializer(_RejectUnknownFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False)
    starts_at = AwareDateTimeField(required=False, help_text="The new start, when known.")
    ends_at = AwareDateTimeField(required=False, help_text="The new end, when known.")


class EventCancelSerializer(_RejectUnknownFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False)


class RegistrationCreateSerializer(_RejectUnknownFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    party_size = StrictIntegerField(min_value=1, max_value=MAX_PARTY_SIZE, default=1)


class RegistrationQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=Registration.Status.choices, required=False)


# --- output ---------------------------------------------------------------------------------


class NamedRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()


class CalendarLinksSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ics = serializers.URLField(help_text="The event's venue feed, else its category feed.")
    webcal = serializers.CharField(help_text="The same feed as a webcal:// subscription link.")


class MyRegistrationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    status = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    party_size = serializers.IntegerField()


def feed_links(path: str, request: RequestLike | None) -> dict[str, str]:
    """`{"ics", "webcal"}` for a feed path: under SITE_URL when set, else under the scheme and
    host:port the request reached (common/urls.py)."""
    ics = absolute_url(path, request)
    return {"ics": ics, "webcal": webcal_url(ics)}


def event_calendar_links(event: Event, request: RequestLike | None) -> dict[str, str]:
    if event.venue_id is not None:
        return feed_links(f"/calendar/venues/{event.venue_id}.ics", request)
    return feed_links(f"/calendar/events.ics?category={event.category}", request)


class EventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """An event as clients see it; `title`, `description` and `location` follow the language."""

    uid = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    organisation = serializers.SerializerMethodField()
    venue = serializers.SerializerMethodField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    places_left = serializers.IntegerField(allow_null=True, read_only=True)
    price = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="CNY")
    links = LinkSerializer(many=True)
    image_url = OptionalURLField(read_only=True)
    calendar = serializers.SerializerMethodField()
    my_registration = serializers.SerializerMethodField()
    can_manage = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
            "title",
            "title_zh",
            "title_en",
            "description",
            "description_zh",
            "description_en",
            "category",
            "organisation",
            "venue",
            "location",
            "location_zh",
            "location_en",
            "latitude",
            "longitude",
            "starts_at",
            "ends_at",
            "rrule",
            "exdates",
            "last_ends_at",
            "status",
            "status_reason",
            "capacity",
            "registered_count",
            "places_left",
            "waitlist_enabled",
            "registration_opens_at",
            "registration_closes_at",
            "price",
            "image_url",
            "links",
            "sequence",
            "published_at",
            "updated_at",
            "calendar",
            "my_registration",
            "can_manage",
        ]
        read_only_fields = fields

    @extend_schema_field(NamedRefSerializer)
    def get_organisation(self, event: Event) -> dict[str, Any]:
        return {"id": event.organisation_id, "name": event.organisation.name}

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_venue(self, event: Event) -> dict[str, Any] | None:
        if event.venue is None:
            return None
        return {"id": event.venue_id, "name": event.venue.name}

    @extend_schema_field(CalendarLinksSerializer)
    def get_calendar(self, event: Event) -> dict[str, str]:
        return event_calendar_links(event, self.context.get("request"))

    @extend_schema_field(MyRegistrationSerializer(allow_null=True))
    def get_my_registration(self, event: Event) -> dict[str, Any] | None:
        """The caller's active registration (confirmed or waitlisted with its position)."""
        rows = getattr(event, "viewer_registrations", None) or []
        if not rows:
            return None
        mine = rows[0]
        return {
            "id": mine.pk,
            "status": mine.status,
            "position": getattr(mine, "position", None),
            "party_size": mine.party_size,
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_manage(self, event: Event) -> bool:
        """Whether the caller is a member of the organisation (may edit, publish, cancel)."""
        return event.organisation_id in self.context.get("organisation_ids", ())


class RegistrationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A registration; `position` is its place on the waiting list (1 = next), else null.
    A paid event's place is `held` until paid at `payment_url` before `hold_expires_at`."""

    uid = serializers.UUIDField(read_only=True)
    position = serializers.SerializerMethodField()
    amount = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, help_text="CNY; 0.00 when free."
    )
    payment_url = serializers.SerializerMethodField()
    event_title = serializers.CharField(source="event.title", read_only=True)
    event_starts_at = serializers.DateTimeField(source="event.starts_at", read_only=True)
    event_ends_at = serializers.DateTimeField(source="event.ends_at", read_only=True)
    event_status = serializers.CharField(source="event.status", read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "uid",
            "event",
            "event_title",
            "event_starts_at",
            "event_ends_at",
            "event_status",
            "status",
            "position",
            "party_size",
            "amount",
            "hold_expires_at",
            "payment_url",
            "created_at",
            "confirmed_at",
            "promoted_at",
            "cancelled_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_payment_url(self, registration: Registration) -> str:
        """The pay page while the place is held awaiting payment, else empty."""
        return registration_payment_path(registration)

    # Null unless waitlisted (OpenAPI 3.1's null type: the schema is 3.1, api/schema/).
    @extend_schema_field({"type": ["integer", "null"], "minimum": 1})
    def get_position(self, registration: Registration) -> int | None:
        if registration.status != Registration.Status.WAITLISTED:
            return None
        position = getattr(registration, "position", None)
        if position is None:
            position = self.context.get("position")
        return position  # type: ignore[no-any-return]


class ResidentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class OrganiserRegistrationSerializer(RegistrationSerializer):
    """A registration as the event's organisers see it: with who registered."""

    resident = serializers.SerializerMethodField()

    class Meta(RegistrationSerializer.Meta):
        fields = [*RegistrationSerializer.Meta.fields, "resident"]
        read_only_fields = fields

    @extend_schema_field(ResidentSerializer)
    def get_resident(self, registration: Registration) -> dict[str, Any]:
        user = registration.resident
        name = user.get_full_name() if hasattr(user, "get_full_name") else ""
        return {"id": user.pk, "username": user.get_username(), "name": name or ""}


class CalendarTokenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token_url = serializers.URLField(help_text="Secret personal feed: keep it private.")
    webcal_url = serializers.CharField()
    rotated_at = serializers.DateTimeField(allow_null=True)
