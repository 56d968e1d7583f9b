"""What the page header needs on every page: which consoles the signed-in user may open."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from frontend import roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "is_organiser": SimpleLazyObject(lambda: roles.is_organiser(user)),
        "is_venue_staff": SimpleLazyObject(lambda: roles.is_venue_staff(user)),
        "is_admin": SimpleLazyObject(lambda: roles.is_admin(user)),
    }
