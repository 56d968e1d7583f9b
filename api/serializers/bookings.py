"""Booking input (`BookingCreateSerializer`, `BookingListQuerySerializer`) and output
(`BookingSerializer`). Serializers parse and render; they never lock, check availability or save.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from api.ids import MAX_ID
from api.serializers.fields import StrictIntegerField
from booking import rules
from booking.models import Booking
from booking.selectors import WHEN_PAST, WHEN_UPCOMING
from booking.services import MAX_PARTY_SIZE
from checkin.codes import checkin_code_for
from payments.selectors import payment_path
from venues.models import Venue
from venues.policies import policy_for


class BookingCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """`{"slot": id, "party_size": 1}`; the optional `Idempotency-Key` header is read by the view."""

    slot = StrictIntegerField(min_value=1, max_value=MAX_ID)
    party_size = StrictIntegerField(min_value=1, max_value=MAX_PARTY_SIZE, default=1)


def read_well_formed_booking(data: Any) -> tuple[int, int] | None:
    """`(slot, party_size)` of well-formed input (a JSON object with whole numbers in range),
    as `BookingCreateSerializer` would read it; None for anything else.

    Every attempt of a rush is read this way: building the serializer and its fields cost about
    a tenth of a refused attempt.
    """
    if isinstance(data, dict):
        slot, party_size = data.get("slot"), data.get("party_size", 1)
        if (
            type(slot) is int
            and type(party_size) is int
            and 1 <= slot <= MAX_ID
            and 1 <= party_size <= MAX_PARTY_SIZE
        ):
            return slot, party_size
    return None


def parse_booking_create(data: Any) -> tuple[int, int]:
    """`(slot, party_size)` of a booking request, exactly as `BookingCreateSerializer` reads it.

    Well-formed input is read directly; anything else goes through the serializer, which words
    the 400.
    """
    well_formed = read_well_formed_booking(data)
    if well_formed is not None:
        return well_formed
    form = BookingCreateSerializer(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data["slot"], form.validated_data["party_size"]


class BookingListQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Filters of `GET /api/v1/bookings/`; an unknown value is a 400, never an empty list."""

    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)
    when = serializers.ChoiceField(choices=[WHEN_UPCOMING, WHEN_PAST], required=False)
    venue = serializers.PrimaryKeyRelatedField(queryset=Venue.objects.all(), required=False)


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


class BookingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A booking as clients see it. The declared fields document the shape (OpenAPI);
    `to_representation` builds the same dict directly, because this is rendered on the hot path
    of every booking attempt (a test keeps the two in step)."""

    id = serializers.IntegerField()
    slot = serializers.IntegerField()
    resource = serializers.IntegerField()
    venue = serializers.IntegerField()
    resource_name = serializers.CharField()
    venue_name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    party_size = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    price = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="CNY")
    created_at = serializers.DateTimeField()
    hold_expires_at = serializers.DateTimeField(allow_null=True)
    cancel_deadline = serializers.DateTimeField(
        help_text="Cancelling later than this counts as a late cancellation."
    )
    cancelled_at = serializers.DateTimeField(allow_null=True)
    late_cancellation = serializers.BooleanField()
    payment_url = serializers.CharField(help_text="Where to pay a held booking; empty otherwise.")
    checkin_code = serializers.CharField(
        help_text="Signed text a gate verifies; empty until confirmed."
    )
    checkin_qr = serializers.CharField(
        help_text="URL of the check-in QR image; empty until confirmed."
    )

    def to_representation(self, instance: Booking) -> dict[str, Any]:
        booking = instance
        return {
            "id": booking.pk,
            "slot": booking.slot_id,
            "resource": booking.resource_id,
            "venue": booking.venue_id,
            "resource_name": booking.resource.name,
            "venue_name": booking.venue.name,
            "starts_at": _iso(booking.starts_at),
            "ends_at": _iso(booking.ends_at),
            "party_size": booking.party_size,
            "status": booking.status,
            "price": f"{booking.price:.2f}",
            "created_at": _iso(booking.created_at),
            "hold_expires_at": _iso(booking.hold_expires_at),
            "cancel_deadline": _iso(cancel_deadline(booking)),
            "cancelled_at": _iso(booking.cancelled_at),
            "late_cancellation": booking.late_cancellation,
            "payment_url": payment_url(booking),
            "checkin_code": checkin_code(booking),
            "checkin_qr": checkin_qr(booking),
        }


def cancel_deadline(booking: Booking) -> dt.datetime:
    return rules.cancellation_deadline(
        starts_at=booking.starts_at, policy=policy_for(booking.venue)
    )


def payment_url(booking: Booking) -> str:
    """Where the resident pays a held booking (a page path); empty otherwise."""
    return payment_path(booking)


def checkin_code(booking: Booking) -> str:
    """The signed check-in text of a confirmed or checked-in booking; empty otherwise."""
    return checkin_code_for(booking)


def checkin_qr(booking: Booking) -> str:
    """Path of the check-in QR image (also at .png) of a confirmed booking; empty otherwise."""
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN):
        return ""
    return f"/api/v1/bookings/{booking.pk}/qr.svg"
