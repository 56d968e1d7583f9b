"""Template helpers of the pages."""

import datetime as dt
from typing import Any

from django import template
from django.http import QueryDict
from django.utils import dateformat, timezone
from django.utils.html import json_script
from django.utils.translation import get_language, pgettext, pgettext_lazy

from frontend.strings import js_strings as _js_strings

register = template.Library()


@register.simple_tag
def js_strings() -> str:
    """The JavaScript string table of the active language, as a JSON script element."""
    return json_script(_js_strings(), "js-strings")


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


# Luohu's ten subdistricts (街道), as Venue.street stores them, in English.
STREETS_EN = {
    "桂园街道": "Guiyuan Subdistrict",
    "黄贝街道": "Huangbei Subdistrict",
    "东门街道": "Dongmen Subdistrict",
    "翠竹街道": "Cuizhu Subdistrict",
    "南湖街道": "Nanhu Subdistrict",
    "笋岗街道": "Sungang Subdistrict",
    "东湖街道": "Donghu Subdistrict",
    "莲塘街道": "Liantang Subdistrict",
    "东晓街道": "Dongxiao Subdistrict",
    "清水河街道": "Qingshuihe Subdistrict",
}


@register.filter
def street_name(value: str | None) -> str:
    """A subdistrict's name in the active language (English pages: "Dongmen Subdistrict")."""
    name = str(value or "")
    if (get_language() or "").startswith("en"):
        return STREETS_EN.get(name, name)
    return name


# Weekday abbreviations, Monday first: Django's zh-hans "D" is a bare "一", which reads as a dash
# in "2026-12-07 一 09:00"; "周一" (and "Mon" in English) cannot be misread.
WEEKDAYS = (
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
)


def _local(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def weekday(value: dt.date | None) -> str:
    """The weekday of a date or datetime (local time): "周一" in Chinese, "Mon" in English."""
    if value is None or value == "":
        return ""
    return str(WEEKDAYS[_local(value).weekday()])


@register.filter
def when(value: dt.date | None) -> str:
    """A start time as "2026-12-07 周一 09:00" (zh) or "2026-12-07 Mon 09:00" (en)."""
    if value is None or value == "":
        return ""
    local = _local(value)
    return f"{dateformat.format(local, 'Y-m-d')} {weekday(local)} {dateformat.format(local, 'H:i')}"


@register.filter
def month_title(value: dt.date | None) -> str:
    """A month heading in the active language's format: "2026年12月" or "December 2026"."""
    if value is None or value == "":
        return ""
    # Translators: a PHP-style date format (Django's "date" filter) for a month heading.
    return dateformat.format(value, pgettext("month title format", "F Y"))
