from django.contrib import admin

from allocation.models import BallotEntry, BallotRound


@admin.register(BallotRound)
class BallotRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "venue", "date", "opens_at", "closes_at", "draws_at", "drawn_at")
    list_filter = ("venue", "by_policy")
    date_hierarchy = "date"
    filter_horizontal = ("slots",)
    readonly_fields = ("commitment", "drawn_at", "drawn_slots", "released_at", "created_by")
    # The seed stays out of the admin until the draw publishes it (`exclude` keeps it unseen).
    exclude = ("seed",)


@admin.register(BallotEntry)
class BallotEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ticket", "round", "resident", "party_size", "status", "tier", "won_slot")
    list_filter = ("status",)
    search_fields = ("ticket", "resident__username")
    raw_id_fields = ("round", "resident", "won_slot", "booking")
    readonly_fields = ("ticket", "tier", "drawn_choices")
