"""Template helpers of the pages."""

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import json_script

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
