"""Venue errors; each has a stable `code` that clients switch on."""

from common.errors import NotFoundError


class VenueError(Exception):
    """Marker base for everything the venues app raises."""


class VenueNotFoundError(VenueError, NotFoundError):
    # The contract's generic 404 code: clients treat every unknown id the same way.
    code = "not_found"
    default_detail = "场馆不存在。The venue does not exist."


class ResourceNotFoundError(VenueError, NotFoundError):
    code = "not_found"
    default_detail = "场地不存在。The resource does not exist."
