from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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


class OutcomeFilter(admin.SimpleListFilter):
    """By the entry's published outcome, not its stored status (a drawn round's plain losers
    keep `entered`: BallotEntry.outcome)."""

    title = _("Status")
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return BallotEntry.Status.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[BallotEntry]) -> Any:
        if self.value() in BallotEntry.Status.values:
            return queryset.filter(BallotEntry.outcome_is(self.value()))
        return queryset


@admin.register(BallotEntry)
class BallotEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "ticket",
        "round",
        "resident",
        "party_size",
        "outcome",
        "drawn_tier",
        "won_slot",
    )
    list_select_related = ("round", "resident", "won_slot")
    list_filter = (OutcomeFilter,)
    search_fields = ("ticket", "resident__username")
    raw_id_fields = ("round", "resident", "won_slot", "booking")
    readonly_fields = ("ticket", "tier", "drawn_choices")
