"""District admins' pages: organisations (approve them, manage members), events (moderate and
approve; organisers edit through the API) and registrations (read-only, never deleted)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from common.admin import ReadOnlyAdmin
from common.errors import DomainError
from events import lifecycle
from events.models import Event, Organisation, Registration


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_zh", "name_en", "slug", "is_approved", "is_demo", "created_at"]
    list_filter = ["is_approved", "is_demo"]
    search_fields = ["name_zh", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    filter_horizontal = ["members"]
    actions = ["approve_organisations"]

    @admin.action(description="Approve selected organisations (they may publish directly)")
    def approve_organisations(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        count = queryset.update(is_approved=True)
        self.message_user(request, f"{count} organisation(s) approved.", messages.SUCCESS)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only except for moderation: writes go through events.lifecycle (sequence, checks)."""

    list_display = [
        "title_zh",
        "category",
        "organisation",
        "venue",
        "starts_at",
        "status",
        "registered_count",
        "capacity",
        "sequence",
    ]
    list_filter = ["status", "category", "organisation", "is_demo"]
    search_fields = ["title_zh", "title_en", "location_zh", "organisation__name_zh"]
    date_hierarchy = "starts_at"
    list_select_related = ["organisation", "venue"]
    actions = ["approve_events"]

    @admin.action(description="Approve and publish selected events awaiting approval")
    def approve_events(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        approved, refused = 0, []
        for event in queryset.filter(status=Event.Status.PENDING_APPROVAL):
            try:
                lifecycle.approve_event(event_id=event.pk, by_user=request.user)
            except DomainError as exc:
                refused.append(f"{event}: {exc.detail}")
            else:
                approved += 1
        skipped = queryset.exclude(status=Event.Status.PENDING_APPROVAL).count()
        self.message_user(request, f"{approved} event(s) approved and published.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} event(s) were not awaiting approval.", messages.WARNING
            )
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Event._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["event", "resident", "status", "party_size", "created_at", "promoted_at"]
    list_filter = ["status"]
    search_fields = ["event__title_zh", "resident__username"]
    list_select_related = ["event", "resident"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Registration._meta.fields]
