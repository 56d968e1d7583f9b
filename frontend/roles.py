"""Who may open the organiser and staff consoles (reads only; the API enforces every write)."""

from typing import Any

from django.db.models import QuerySet

from events.selectors import organisation_ids_of
from venues.models import Venue
from venues.selectors import list_staffed_venues


def is_organiser(user: Any) -> bool:
    """Members of an organisation: the console lists their organisations' events, so a district
    admin who belongs to none would only meet its 403 (admins have /admin/ instead)."""
    return bool(organisation_ids_of(user=user))


def is_admin(user: Any) -> bool:
    """District admins: may open the Django admin (approvals, venues, users)."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def staffed_venues(user: Any) -> QuerySet[Venue]:
    """The venues whose staff pages the user may open (all of them for district admins)."""
    return list_staffed_venues(user=user)


def is_venue_staff(user: Any) -> bool:
    return staffed_venues(user).exists()
