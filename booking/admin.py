"""Staff admin for slots and bookings, and slot syncing on the venue pages.

Slots and bookings are read-only here: slots follow opening rules and closures (edit those;
the save regenerates the venue's slots), and bookings change only through the booking
services, which keep `Slot.remaining` right. Bookings are never deleted.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from booking.models import Booking, Slot
from booking.rules import local_date
from booking.slots import GenerationSummary, generate_slots
from common.admin import ReadOnlyAdmin
from venues import admin as venues_admin
from venues.models import Closure, OpeningRule, Resource, Venue
from venues.policies import policy_for


def sync_venue_slots(venue: Venue) -> GenerationSummary:
    """Regenerate a venue's slots for its booking window (today included)."""
    days = policy_for(venue).window_days + 1  # today included
    return generate_slots(start=local_date(timezone.now()), days=days, venue=venue)


def _report(
    admin_: "admin.ModelAdmin[Venue]", request: HttpRequest, venue: Venue, s: GenerationSummary
) -> None:
    admin_.message_user(
        request,
        f"{venue}: 时段已更新 slots synced — {s.created} created, {s.updated} updated, "
        f"{s.closed} closed, {s.reopened} reopened, {s.kept_booked} booked kept as they are.",
        messages.INFO,
    )


class SlotSyncMixin:
    """After a save or delete that changes rules or closures, resync that venue's slots."""

    def venue_of(self, obj: Any) -> Venue:
        raise NotImplementedError

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        self._sync(request, [self.venue_of(form.instance)])

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        venue = self.venue_of(obj)
        super().delete_model(request, obj)  # type: ignore[misc]
        if Venue.objects.filter(pk=venue.pk).exists():
            self._sync(request, [venue])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        venues = {self.venue_of(obj).pk: self.venue_of(obj) for obj in queryset}
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        self._sync(request, [v for v in venues.values() if Venue.objects.filter(pk=v.pk).exists()])

    def _sync(self, request: HttpRequest, venues: list[Venue]) -> None:
        for venue in venues:
            venue = Venue.objects.select_related("policy").get(pk=venue.pk)
            _report(self, request, venue, sync_venue_slots(venue))  # type: ignore[arg-type]


@admin.action(description="生成/同步时段 Generate slots for the booking window")
def generate_window_slots(
    modeladmin: "admin.ModelAdmin[Venue]",
    request: HttpRequest,
    queryset: QuerySet[Venue],
) -> None:
    for venue in queryset.select_related("policy"):
        _report(modeladmin, request, venue, sync_venue_slots(venue))


# The venue pages live in venues/admin.py; they are extended here because venues must not
# depend on booking.
for model in (Venue, Resource, OpeningRule, Closure):
    admin.site.unregister(model)


@admin.register(Venue)
class VenueAdmin(SlotSyncMixin, venues_admin.VenueAdmin):
    actions = [generate_window_slots]

    def venue_of(self, obj: Venue) -> Venue:
        return obj


@admin.register(Resource)
class ResourceAdmin(SlotSyncMixin, venues_admin.ResourceAdmin):
    def venue_of(self, obj: Resource) -> Venue:
        return obj.venue


@admin.register(OpeningRule)
class OpeningRuleAdmin(SlotSyncMixin, venues_admin.OpeningRuleAdmin):
    def venue_of(self, obj: OpeningRule) -> Venue:
        return obj.resource.venue


@admin.register(Closure)
class ClosureAdmin(SlotSyncMixin, venues_admin.ClosureAdmin):
    def venue_of(self, obj: Closure) -> Venue:
        return obj.venue


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdmin):
    list_display = [
        "starts_at",
        "ends_at",
        "resource",
        "capacity",
        "places",
        "remaining",
        "price",
        "public_benefit",
        "is_closed",
        "closed_reason",
    ]
    list_filter = ["is_closed", "public_benefit", "venue__kind", "venue"]
    list_select_related = ["resource__venue"]
    date_hierarchy = "starts_at"
    search_fields = ["resource__name_zh", "venue__name_zh", "venue__name_en"]
    ordering = ["starts_at", "resource_id"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "resident",
        "venue",
        "resource",
        "starts_at",
        "party_size",
        "status",
        "price",
        "late_cancellation",
        "created_at",
    ]
    list_filter = ["status", "late_cancellation", "venue"]
    list_select_related = ["resident", "venue", "resource__venue"]
    date_hierarchy = "starts_at"
    search_fields = ["resident__username", "resident__email", "uid", "venue__name_zh"]
    ordering = ["-starts_at"]


# Strikes and sent reminders (booking/admin_records.py).
from booking import admin_records  # noqa: E402, F401
