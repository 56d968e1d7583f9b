"""Admin for payments, Stripe events, strikes, check-ins, gate devices and sent notices.

Imported from booking/admin.py. Payments, events, scans and notices are records: read-only.
Strikes are waived through the API (`POST /api/v1/strikes/{id}/waive/`) so that suspensions are
recomputed; gate devices are added here and their token is shown once.
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from booking import checkin
from booking.models import (
    CheckIn,
    GateDevice,
    Payment,
    ReminderSent,
    Strike,
    StripeEvent,
)
from common.admin import ReadOnlyAdmin


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "booking",
        "registration",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "refund_reason",
        "stripe_payment_intent_id",
        "created_at",
    ]
    list_filter = ["status", "refund_reason"]
    list_select_related = [
        "booking__resident",
        "booking__slot__resource__venue",
        "registration__resident",
        "registration__event",
    ]
    search_fields = [
        "stripe_payment_intent_id",
        "stripe_refund_id",
        "booking__resident__username",
        "registration__resident__username",
    ]
    exclude = ["stripe_client_secret"]
    date_hierarchy = "created_at"


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "outcome", "payment", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "payment__stripe_payment_intent_id"]
    date_hierarchy = "received_at"


@admin.register(Strike)
class StrikeAdmin(ReadOnlyAdmin):
    list_display = ["id", "resident", "kind", "venue", "booking", "created_at", "waived_at"]
    list_filter = ["kind", "venue"]
    list_select_related = ["resident", "venue"]
    search_fields = ["resident__username", "resident__email"]
    date_hierarchy = "created_at"


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["at", "booking", "allowed", "reason", "device", "staff"]
    list_filter = ["allowed", "reason", "device__venue"]
    list_select_related = ["booking", "device", "staff"]
    date_hierarchy = "at"


@admin.register(GateDevice)
class GateDeviceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "venue", "is_active", "last_seen_at", "created_at"]
    list_filter = ["is_active", "venue"]
    fields = ["venue", "name", "is_active", "last_seen_at"]
    readonly_fields = ["last_seen_at"]

    def save_model(self, request: HttpRequest, obj: GateDevice, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        device, token = checkin.issue_gate_device(venue=obj.venue, name=obj.name)
        obj.pk, obj.token_hash = device.pk, device.token_hash
        GateDevice.objects.filter(pk=device.pk).update(is_active=obj.is_active)
        self.message_user(
            request,
            f"闸机令牌（仅显示一次）Gate token, shown once: {token}  — "
            f"configure the gate with the header `Authorization: Gate {token}`.",
            messages.WARNING,
        )


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["booking", "kind", "sent_at"]
    list_filter = ["kind"]
