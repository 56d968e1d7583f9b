"""Real races on PostgreSQL: many connections register, cancel and queue at the same moment.

Each thread has its own database connection (Django's are per thread) and closes it at the end.
At most 50 threads: the server's max_connections is shared with other suites.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from events import registrations
from events.exceptions import AlreadyRegisteredError, EventBusyError, EventFullError
from events.models import Event, Registration
from tests.factories import EventFactory, UserFactory
from tests.races import race_for_codes

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    return race_for_codes(calls, refusals=(EventFullError, EventBusyError, AlreadyRegisteredError))


def _register(event_id: int, user: Any) -> Callable[[], str]:
    return lambda: registrations.register(event_id=event_id, resident=user).registration.status


def _fifty_race_for_the_last_five(*, waitlist: bool) -> tuple[Event, Counter[Any]]:
    """50 residents register at once for an event of 55 places of which 50 are taken."""
    event = EventFactory(capacity=55, waitlist_enabled=waitlist)
    Event.objects.filter(pk=event.pk).update(registered_count=50)
    users = [UserFactory(username=f"racer{i}") for i in range(50)]

    outcomes = Counter(_race([_register(event.pk, user) for user in users]))

    event.refresh_from_db()
    return event, outcomes


def test_fifty_residents_racing_for_the_last_five_places_get_exactly_five():
    event, outcomes = _fifty_race_for_the_last_five(waitlist=True)
    assert outcomes["confirmed"] == 5
    assert outcomes["confirmed"] + outcomes["waitlisted"] + outcomes["busy"] == 50
    assert event.registered_count == 55
    assert Registration.objects.filter(event=event, status="confirmed").count() == 5
    waiting = list(Registration.objects.filter(event=event).waitlist())
    assert len(waiting) == outcomes["waitlisted"]


def test_without_a_waiting_list_the_losers_are_refused_as_full():
    event, outcomes = _fifty_race_for_the_last_five(waitlist=False)
    assert outcomes["confirmed"] == 5
    assert outcomes["event_full"] + outcomes["busy"] == 45
    assert event.registered_count == 55
    assert Registration.objects.filter(event=event).count() == 5


def test_cancellations_racing_with_newcomers_promote_the_waiting_list_first():
    event = EventFactory(capacity=5)
    holders = [UserFactory(username=f"holder{i}") for i in range(5)]
    waiters = [UserFactory(username=f"waiter{i}") for i in range(10)]
    newcomers = [UserFactory(username=f"new{i}") for i in range(20)]
    held = [registrations.register(event_id=event.pk, resident=u).registration for u in holders]
    queued = [registrations.register(event_id=event.pk, resident=u).registration for u in waiters]

    cancels = [
        (lambda r=r, u=u: registrations.cancel_registration(registration_id=r.pk, by_user=u).status)
        for r, u in zip(held, holders, strict=True)
    ]
    outcomes = _race(cancels + [_register(event.pk, user) for user in newcomers])

    assert outcomes[:5] == ["cancelled"] * 5
    event.refresh_from_db()
    confirmed = Registration.objects.filter(event=event, status="confirmed")
    assert event.registered_count == 5 == confirmed.count()
    # The five freed places went to the first five in line, never to a newcomer.
    assert {r.pk for r in confirmed} == {r.pk for r in queued[:5]}
    assert Counter(outcomes[5:]) <= Counter({"waitlisted": 20, "busy": 20})
    line = list(Registration.objects.filter(event=event).waitlist())
    assert [r.pk for r in line[:5]] == [r.pk for r in queued[5:]]


def test_a_double_tap_makes_one_registration():
    event = EventFactory(capacity=10)
    user = UserFactory(username="double-tapper")

    outcomes = Counter(_race([_register(event.pk, user) for _ in range(10)]))

    event.refresh_from_db()
    assert outcomes["confirmed"] == 1
    assert outcomes["already_registered"] + outcomes["busy"] == 9
    assert event.registered_count == 1
    assert Registration.objects.filter(event=event).count() == 1
