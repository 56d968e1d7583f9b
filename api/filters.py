"""django-filter FilterSets of the read APIs, and a backend that refuses bad filter values.

A FilterSet here validates and documents query parameters (drf-spectacular reads its filters);
the filtering itself is done by the domain selector it calls, so that the web pages and the API
filter the same way.
"""

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request

from booking.availability import list_slots, list_venues_free_on
from booking.models import Slot
from common.calendar_range import FIRST_DAY, LAST_DAY
from common.errors import InvalidInputError
from venues.models import Resource, Sport, Venue
from venues.selectors import list_venues

# Far enough for any booking question, near enough that date arithmetic never overflows.
MIN_DATE, MAX_DATE = FIRST_DAY, LAST_DAY
BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class InvalidFilterError(InvalidInputError):
    code = "invalid_filter"
    default_detail = gettext_lazy("A query parameter is invalid.")


class StrictFilterBackend(DjangoFilterBackend):
    """Like DjangoFilterBackend, but a bad value is a 400 `invalid_filter` naming the field."""

    # DRF hands filter backends its Request; the django-filter stubs say HttpRequest.
    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:  # type: ignore[override]
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        empty = empty_typed_filters(filterset)
        if empty:
            raise InvalidFilterError(fields=empty)
        if not filterset.is_valid():
            raise InvalidFilterError(
                fields={name: [str(m) for m in errors] for name, errors in filterset.errors.items()}
            )
        return filterset.qs


EMPTY = gettext_lazy("Must not be empty: leave the parameter out instead.")


def empty_typed_filters(filterset: filters.FilterSet) -> dict[str, list[str]]:
    """Typed filters (dates, ids, choices; not free text) sent empty (`?date=`): refused, as
    the schema says, rather than read as absent."""
    return {
        name: [str(EMPTY)]
        for name, declared in filterset.filters.items()
        if type(declared) is not filters.CharFilter and (filterset.data or {}).get(name) == ""
    }


def check_date_range(value: dt.date | None) -> dt.date | None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise forms.ValidationError(
            _("Must be between %(min)s and %(max)s.") % {"min": MIN_DATE, "max": MAX_DATE}
        )
    return value


def _as_bool(value: str | None) -> bool | None:
    return None if value in (None, "") else value in ("true", "1")


class VenueFilterForm(forms.Form):
    """Checks against the database only for parameters that are present."""

    def clean_district(self) -> str:
        district: str = self.cleaned_data.get("district") or ""
        if district and not Venue.objects.filter(district=district, is_active=True).exists():
            raise forms.ValidationError(_("Unknown district: %(name)s.") % {"name": district})
        return district

    def clean_sport(self) -> str:
        sport: str = self.cleaned_data.get("sport") or ""
        if sport and not Sport.objects.filter(code=sport).exists():
            raise forms.ValidationError(_("Unknown sport code: %(code)s.") % {"code": sport})
        return sport

    def clean_available_on(self) -> dt.date | None:
        return check_date_range(self.cleaned_data.get("available_on"))


class VenueFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Venue.Kind.choices, help_text="Venue kind.")
    district = filters.CharFilter(help_text="District name, e.g. 罗湖区.")
    sport = filters.CharFilter(help_text="Sport code, e.g. `badminton` (see venue `sports`).")
    q = filters.CharFilter(
        max_length=100, help_text="Search in names (Chinese and English), address and street."
    )
    available_on = filters.DateFilter(
        help_text="YYYY-MM-DD: only venues with a free place on that day (Asia/Shanghai)."
    )

    class Meta:
        form = VenueFilterForm

    def filter_queryset(self, queryset: QuerySet[Venue]) -> QuerySet[Venue]:
        # The selector owns the filtering (and its prefetches); `queryset` is its unfiltered
        # answer, so replacing it loses nothing.
        data = self.form.cleaned_data
        venues = list_venues(
            kind=data.get("kind") or None,
            district=data.get("district") or None,
            sport=data.get("sport") or None,
            q=(data.get("q") or "").strip() or None,
        )
        if data.get("available_on") is not None:
            venues = list_venues_free_on(venues=venues, day=data["available_on"])
        return venues


class SlotFilterForm(forms.Form):
    def clean_date(self) -> dt.date | None:
        return check_date_range(self.cleaned_data.get("date"))


class SlotFilter(filters.FilterSet):
    venue = filters.ModelChoiceFilter(
        queryset=Venue.objects.filter(is_active=True), help_text="Venue id."
    )
    resource = filters.ModelChoiceFilter(
        queryset=Resource.objects.filter(is_active=True), help_text="Resource id."
    )
    date = filters.DateFilter(
        help_text="YYYY-MM-DD (Asia/Shanghai). Without it: slots that have not ended yet."
    )
    available = filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        help_text="true: open, places left, not started; false: the others.",
    )

    class Meta:
        form = SlotFilterForm

    def filter_queryset(self, queryset: QuerySet[Slot]) -> QuerySet[Slot]:
        data = self.form.cleaned_data
        venue, resource = data.get("venue"), data.get("resource")
        return list_slots(
            venue_id=venue.pk if venue else None,
            resource_id=resource.pk if resource else None,
            date=data.get("date"),
            available=_as_bool(data.get("available")),
            now=timezone.now(),
        )
