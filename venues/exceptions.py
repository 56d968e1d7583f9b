"""Venue errors; each has a stable `code` that clients switch on."""

from django.utils.translation import gettext_lazy as _

from common.errors import NotFoundError


class VenueError(Exception):
    """Marker base for everything the venues app raises."""


class VenueNotFoundError(VenueError, NotFoundError):
    # The contract's generic 404 code: clients treat every unknown id the same way.
    code = "not_found"
    default_detail = _("The venue does not exist.")


class ResourceNotFoundError(VenueError, NotFoundError):
    code = "not_found"
    default_detail = _("The resource does not exist.")
