"""`{% my_ballot_entries %}`: the signed-in resident's ballot entries, for 我的预约."""

from typing import Any

from django import template

from allocation.selectors import list_entries_for

register = template.Library()
LIMIT = 20


@register.inclusion_tag("frontend/_ballot_entries.html", takes_context=True)
def my_ballot_entries(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    if not user.is_authenticated:
        return {"entries": []}
    # A winner's card names the slot won and, while it waits for payment, links to paying.
    entries = list_entries_for(user=user).select_related("won_slot__resource", "booking")
    return {"entries": list(entries[:LIMIT])}
