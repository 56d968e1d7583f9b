"""Admin for check-in scans (records: read-only) and gate devices (added here, token shown once)."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from checkin.gates import issue_gate_device
from checkin.models import CheckIn, GateDevice
from common.admin import ReadOnlyAdmin


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
        device, token = issue_gate_device(venue=obj.venue, name=obj.name)
        obj.pk, obj.token_hash = device.pk, device.token_hash
        GateDevice.objects.filter(pk=device.pk).update(is_active=obj.is_active)
        self.message_user(
            request,
            f"闸机令牌（仅显示一次）Gate token, shown once: {token}  — "
            f"configure the gate with the header `Authorization: Gate {token}`.",
            messages.WARNING,
        )
