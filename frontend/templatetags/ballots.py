"""`{% my_ballot_entries %}`: the signed-in resident's ballot entries, for 我的预约."""

from typing import Any

from django import template

from allocation.selectors import list_entries_for

register = template.Library()
LIMIT = 20


@register.inclusion_tag("frontend/_ballot_entries.html", takes_context=True)
def my_ballot_entries(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    entries = list(list_entries_for(user=user)[:LIMIT]) if user.is_authenticated else []
    return {"entries": entries}
