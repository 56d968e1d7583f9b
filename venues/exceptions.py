"""Venue errors; each has a stable `code` that clients switch on."""

from django.utils.translation import gettext_lazy as _

from common.errors import NotFoundError


class VenueError(Exception):
    """Marker base for everything the venues app raises."""


# Both keep NotFoundError's code, "not_found": the contract's generic 404 code, so that clients
# treat every unknown id the same way.


class VenueNotFoundError(VenueError, NotFoundError):
    default_detail = _("The venue does not exist.")


class ResourceNotFoundError(VenueError, NotFoundError):
    default_detail = _("The resource does not exist.")
