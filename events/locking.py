"""Row locks of the events app, in the one lock order: the event row, then registration rows.

Every write that locks them runs inside `common.transactions.bounded_atomic()`, which bounds the
waits (settings.DB_LOCK_TIMEOUT_MS); the payment code locks a registration's payment row only
after both.
"""

from typing import Any

from events import selectors
from events.exceptions import EventNotFoundError, RegistrationNotFoundError
from events.models import Event, Registration


def lock_event(event_id: Any) -> Event:
    """Lock the event's row and return it (with its organisation).

    Raises EventNotFoundError.
    """
    pk = selectors.parse_pk(event_id)
    if pk is None:
        raise EventNotFoundError()
    try:
        return (
            Event.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=pk)
        )
    except Event.DoesNotExist as exc:
        raise EventNotFoundError() from exc


def lock_registration(registration_id: Any) -> Registration:
    """Lock the registration's event row, then the registration row (the lock order); return
    the registration with its locked event.

    Raises RegistrationNotFoundError.
    """
    pk = selectors.parse_pk(registration_id)
    event_id = (
        Registration.objects.filter(pk=pk).values_list("event_id", flat=True).first()
        if pk is not None
        else None
    )
    if pk is None or event_id is None:
        raise RegistrationNotFoundError()
    event = lock_event(event_id)
    registration = Registration.objects.select_for_update().get(pk=pk)
    registration.event = event
    return registration
