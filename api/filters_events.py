"""`EventFilter`: parses the query of `GET /api/v1/events/` and hands it to
`events.selectors.list_events`, which applies visibility and the filters in one place.

A bad value is a coded 400 (`unknown_category`, `unknown_status`, `invalid_date`,
`invalid_filter`), never an empty 200 that hides the mistake.
"""

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.request import Request
from rest_framework.views import APIView

from api.filters import MAX_DATE, MIN_DATE, empty_typed_filters
from common.errors import DomainError
from events import selectors
from events.exceptions import (
    InvalidDateError,
    InvalidFilterError,
    UnknownCategoryError,
    UnknownStatusError,
)
from events.models import Event


class DateOrDateTimeField(forms.Field):
    """`YYYY-MM-DD` (a whole local day) or an ISO 8601 datetime (naive means Asia/Shanghai)."""

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        text = str(value).strip().replace(" ", "+")  # an unescaped "+08:00" arrives as " 08:00"
        try:
            # A bare date first: parse_datetime would also read it, as midnight.
            day = parse_date(text) if len(text) == 10 else None
            moment = None if day else parse_datetime(text)
        except ValueError:
            moment = day = None
        if day is None and moment is not None:
            day = moment.date()
        if day is not None and not MIN_DATE <= day <= MAX_DATE:
            # Year 1 or 9999 is no question about events, and the arithmetic below overflows.
            raise forms.ValidationError(
                _("Must be between %(min)s and %(max)s.") % {"min": MIN_DATE, "max": MAX_DATE},
                code="invalid_date",
            )
        if moment is not None:
            return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        if day is not None:
            start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            return start + dt.timedelta(days=1) if self.end_of_day else start
        raise forms.ValidationError("Use YYYY-MM-DD or an ISO 8601 datetime.", code="invalid_date")


@extend_schema_field(OpenApiTypes.DATETIME)
class DateOrDateTimeFilter(django_filters.Filter):
    field_class = DateOrDateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField


class EventFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Event.Category.choices)
    venue = IdFilter(min_value=1, max_value=2**63 - 1, help_text="Venue id.")
    starts_after = DateOrDateTimeFilter(
        help_text="Events with an occurrence starting at or after this (date: from 00:00)."
    )
    starts_before = DateOrDateTimeFilter(
        end_of_day=True,
        help_text="Events whose first occurrence starts before this (date: the whole day).",
    )
    q = django_filters.CharFilter(help_text="Words in the title, description, place or organiser.")
    status = django_filters.ChoiceFilter(
        choices=Event.Status.choices,
        help_text="Narrows what you may see; it never shows others' drafts.",
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Event]) -> QuerySet[Event]:
        data = self.form.cleaned_data
        return selectors.list_events(
            viewer=self.request.user if self.request else None,
            category=data.get("category") or None,
            venue=data.get("venue"),
            starts_after=data.get("starts_after"),
            starts_before=data.get("starts_before"),
            q=data.get("q") or None,
            status=data.get("status") or None,
        )


def filter_error(errors: dict[str, Any]) -> DomainError:
    fields = {name: [str(message) for message in messages] for name, messages in errors.items()}
    if "category" in errors:
        return UnknownCategoryError(fields=fields)
    if "status" in errors:
        return UnknownStatusError(fields=fields)
    if "starts_after" in errors or "starts_before" in errors:
        return InvalidDateError(fields=fields)
    return InvalidFilterError(fields=fields)


class EventFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose invalid queries raise the events app's coded errors."""

    # DRF hands filter backends its Request; the django-filter stubs say HttpRequest.
    def filter_queryset(  # type: ignore[override]
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        empty = empty_typed_filters(filterset)
        if empty:
            raise filter_error(empty)
        if not filterset.is_valid():
            raise filter_error(filterset.errors)
        return filterset.qs
