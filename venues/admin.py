"""Staff admin for venues, their resources, weekly opening rules, closures and policies.

Saving here changes rules, not slots; `booking/admin.py` extends these pages so that a save
also brings the venue's slots in line (venues must not import booking).
"""

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from venues.models import BookingPolicy, Closure, OpeningRule, Resource, Sport, Venue


class CachedChoicesMixin:
    """Build each foreign-key select of an inline once per request, not once per row.

    Every inline row renders its own copy of the field, and a model choice field queries its
    table each time it is rendered: 20 courts would mean 20 identical sport queries.
    """

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> "ModelChoiceField[Any] | None":
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None:
            cache = request.__dict__.setdefault("_admin_fk_choices", {})
            key = (db_field.model, db_field.name, id(self))
            if key not in cache:
                cache[key] = list(field.choices)
            field.choices = cache[key]
        return field  # type: ignore[no-any-return]


@admin.register(Sport)
class SportAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]


class BookingPolicyInline(admin.StackedInline):  # type: ignore[type-arg]
    model = BookingPolicy
    max_num = 1
    can_delete = False


class ResourceInline(CachedChoicesMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Resource
    fields = ["name_zh", "name_en", "sport", "exclusive", "capacity", "sort_order", "is_active"]
    extra = 0
    show_change_link = True  # opening rules are edited on the resource's page

    def get_queryset(self, request: HttpRequest) -> QuerySet[Resource]:
        # Each row prints str(resource), which names its venue.
        return super().get_queryset(request).select_related("venue")


class ClosureInline(CachedChoicesMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Closure
    fields = ["resource", "start_date", "end_date", "reason"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Closure]:
        return super().get_queryset(request).select_related("venue")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> "ModelChoiceField[Any] | None":
        if db_field.name == "resource":
            # Only this venue's resources make sense here.
            venue_id = (
                request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            )
            # No object_id (the add page): None matches no resource.
            kwargs["queryset"] = Resource.objects.filter(venue_id=venue_id).select_related("venue")  # type: ignore[misc]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_zh", "name_en", "kind", "district", "street", "is_active", "is_demo"]
    list_filter = ["kind", "district", "street", "is_active", "is_demo"]
    search_fields = ["name_zh", "name_en", "address_zh", "address_en", "street", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    filter_horizontal = ["sports", "staff"]
    inlines = [BookingPolicyInline, ResourceInline, ClosureInline]


# What an opening rule says, as a resource's inline rows and as the rules' list show it.
OPENING_RULE_COLUMNS = [
    "weekday",
    "opens_at",
    "closes_at",
    "slot_minutes",
    "price",
    "capacity",
    "public_benefit",
]


class OpeningRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OpeningRule
    fields = [*OPENING_RULE_COLUMNS, "valid_from", "valid_until"]
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_zh", "venue", "sport", "exclusive", "capacity", "is_active"]
    list_filter = ["exclusive", "is_active", "venue__kind", "sport"]
    list_select_related = ["venue", "sport"]
    search_fields = ["name_zh", "name_en", "venue__name_zh", "venue__name_en"]
    autocomplete_fields = ["venue"]
    inlines = [OpeningRuleInline]


@admin.register(OpeningRule)
class OpeningRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["resource", *OPENING_RULE_COLUMNS]
    list_filter = ["weekday", "public_benefit", "resource__venue"]
    list_select_related = ["resource__venue"]
    search_fields = ["resource__name_zh", "resource__venue__name_zh"]
    autocomplete_fields = ["resource"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["venue", "resource", "start_date", "end_date", "reason"]
    list_filter = ["venue"]
    list_select_related = ["venue", "resource__venue"]
    date_hierarchy = "start_date"
    search_fields = ["reason", "venue__name_zh"]
    autocomplete_fields = ["venue", "resource"]


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "venue",
        "window_days",
        "release_time",
        "max_bookings_per_day",
        "max_bookings_per_week",
        "max_hours_per_day",
        "cancel_deadline_hours",
    ]
    list_select_related = ["venue"]
    autocomplete_fields = ["venue"]
