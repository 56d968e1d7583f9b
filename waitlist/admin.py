from django.contrib import admin

from waitlist.models import WaitlistEntry


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Entries are read here; they change through the services (queue, offer, accept, ...)."""

    list_display = (
        "id",
        "slot",
        "resident",
        "party_size",
        "status",
        "created_at",
        "offer_expires_at",
        "booking",
    )
    list_filter = ("status", "slot__venue")
    search_fields = ("resident__username", "resident__email")
    date_hierarchy = "created_at"
    list_select_related = ("slot__resource", "resident", "booking")
    raw_id_fields = ("slot", "resident", "booking")
    readonly_fields = [f.name for f in WaitlistEntry._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
