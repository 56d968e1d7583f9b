"""Permission classes of the API. Who may see or change which object is decided by the domain
selectors and services (e.g. `booking.selectors.get_booking_for`); these only gate the door."""

from rest_framework import permissions


class IsSignedIn(permissions.IsAuthenticated):
    """Any signed-in user (token or session); anonymous callers get 401 `not_authenticated`."""
