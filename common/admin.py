"""Admin building blocks shared by the domain apps, and the outbox of notices (read-only)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from common.models import Notice


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View-only: no add, no change, no delete (so no delete action either).

    For rows the services write and nobody edits by hand: bookings are never deleted, and a
    payment or a strike changed in the admin would bypass the rules that keep them consistent.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """What is owed and what went out; a notice stuck in failure shows its `last_error`."""

    list_display = ["kind", "ref", "outcome", "attempts", "created_at", "due_at", "sent_at"]
    list_filter = ["kind", "outcome"]
    readonly_fields = ["last_error"]
