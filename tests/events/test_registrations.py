import datetime as dt

import pytest
from django.utils import timezone

from events import lifecycle, registrations
from events.exceptions import (
    AlreadyRegisteredError,
    EventEndedError,
    EventFullError,
    EventNotFoundError,
    InvalidPartySizeError,
    PartyTooLargeError,
    RegistrationClosedError,
    RegistrationNotCancellableError,
    RegistrationNotFoundError,
    RegistrationNotOpenError,
)
from events.models import Event, Registration
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def _residents(n: int, prefix: str = "r") -> list:
    return [UserFactory(username=f"{prefix}{i}") for i in range(n)]


def _count(event: Event) -> int:
    return Event.objects.values_list("registered_count", flat=True).get(pk=event.pk)


def test_registration_takes_a_place(resident):
    event = EventFactory(capacity=2)
    result = registrations.register(event_id=event.pk, resident=resident)
    assert result.registration.status == Registration.Status.CONFIRMED
    assert result.position is None
    assert _count(event) == 1


def test_full_event_without_waiting_list_is_refused(resident, other_resident):
    event = EventFactory(capacity=1, waitlist_enabled=False)
    registrations.register(event_id=event.pk, resident=resident)
    with pytest.raises(EventFullError) as excinfo:
        registrations.register(event_id=event.pk, resident=other_resident)
    assert excinfo.value.code == "event_full"
    assert _count(event) == 1
    assert Registration.objects.filter(event=event).count() == 1


def test_full_event_puts_people_on_the_waiting_list_in_order():
    event = EventFactory(capacity=1)
    first, *waiting = _residents(4)
    registrations.register(event_id=event.pk, resident=first)
    results = [registrations.register(event_id=event.pk, resident=user) for user in waiting]
    assert [r.registration.status for r in results] == ["waitlisted"] * 3
    assert [r.position for r in results] == [1, 2, 3]
    assert _count(event) == 1


def test_cancelling_a_confirmed_place_promotes_the_head_of_the_waiting_list():
    event = EventFactory(capacity=2)
    a, b, c, d = _residents(4)
    reg_a = registrations.register(event_id=event.pk, resident=a).registration
    registrations.register(event_id=event.pk, resident=b)
    reg_c = registrations.register(event_id=event.pk, resident=c).registration
    reg_d = registrations.register(event_id=event.pk, resident=d).registration

    cancelled = registrations.cancel_registration(registration_id=reg_a.pk, by_user=a)

    assert cancelled.status == Registration.Status.CANCELLED
    assert cancelled.cancelled_at is not None
    reg_c.refresh_from_db()
    reg_d.refresh_from_db()
    assert reg_c.status == Registration.Status.CONFIRMED
    assert reg_c.promoted_at is not None
    assert reg_c.sequence == 1
    assert reg_d.status == Registration.Status.WAITLISTED
    assert _count(event) == 2
    # d is now first in line.
    e = UserFactory(username="e")
    assert registrations.register(event_id=event.pk, resident=e).position == 2


def test_cancelling_a_waiting_place_moves_the_people_behind_up(resident):
    event = EventFactory(capacity=1)
    registrations.register(event_id=event.pk, resident=resident)
    b, c = _residents(2, "w")
    reg_b = registrations.register(event_id=event.pk, resident=b).registration
    registrations.register(event_id=event.pk, resident=c)

    registrations.cancel_registration(registration_id=reg_b.pk, by_user=b)

    assert _count(event) == 1
    assert (
        registrations.register(event_id=event.pk, resident=UserFactory(username="z")).position == 2
    )


def test_a_freed_place_goes_to_the_first_waiting_party_that_fits():
    event = EventFactory(capacity=3)
    a, big, small = _residents(3)
    reg_a = registrations.register(event_id=event.pk, resident=a, party_size=2).registration
    registrations.register(event_id=event.pk, resident=UserFactory(username="solo"))
    reg_big = registrations.register(event_id=event.pk, resident=big, party_size=3).registration
    reg_small = registrations.register(event_id=event.pk, resident=small, party_size=2).registration

    registrations.cancel_registration(registration_id=reg_a.pk, by_user=a)

    reg_big.refresh_from_db()
    reg_small.refresh_from_db()
    assert reg_big.status == Registration.Status.WAITLISTED  # 3 do not fit in 2 places
    assert reg_small.status == Registration.Status.CONFIRMED
    assert _count(event) == 3


def test_one_registration_per_resident_per_event(resident):
    event = EventFactory()
    first = registrations.register(event_id=event.pk, resident=resident).registration
    with pytest.raises(AlreadyRegisteredError) as excinfo:
        registrations.register(event_id=event.pk, resident=resident)
    assert excinfo.value.extra == {"registration_id": first.pk}
    assert _count(event) == 1


def test_resident_may_register_again_after_cancelling(resident):
    event = EventFactory()
    first = registrations.register(event_id=event.pk, resident=resident).registration
    registrations.cancel_registration(registration_id=first.pk, by_user=resident)
    again = registrations.register(event_id=event.pk, resident=resident).registration
    assert again.pk != first.pk
    assert _count(event) == 1


def test_a_recurring_event_is_registered_for_as_a_whole_series(resident):
    event = EventFactory(rrule="FREQ=WEEKLY;COUNT=6")
    registrations.register(event_id=event.pk, resident=resident)
    with pytest.raises(AlreadyRegisteredError):
        registrations.register(event_id=event.pk, resident=resident)


def test_registration_of_a_running_series_stays_open_until_its_last_occurrence(resident):
    start = timezone.now() - dt.timedelta(days=8)
    event = EventFactory(
        starts_at=start, ends_at=start + dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=4"
    )
    assert registrations.register(event_id=event.pk, resident=resident).registration.status == (
        "confirmed"
    )


def test_registration_before_it_opens_is_refused_with_the_opening_time(resident):
    opens = timezone.now() + dt.timedelta(days=1)
    event = EventFactory(registration_opens_at=opens)
    with pytest.raises(RegistrationNotOpenError) as excinfo:
        registrations.register(event_id=event.pk, resident=resident)
    assert "opens_at" in excinfo.value.extra


def test_registration_after_the_deadline_is_refused(resident):
    event = EventFactory(registration_closes_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(RegistrationClosedError):
        registrations.register(event_id=event.pk, resident=resident)


def test_registration_closes_when_a_one_off_event_starts(resident):
    start = timezone.now() - dt.timedelta(minutes=5)
    event = EventFactory(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    with pytest.raises(RegistrationClosedError):
        registrations.register(event_id=event.pk, resident=resident)


@pytest.mark.parametrize("party_size", [0, -1, 11, "two", None, True, 1.5])
def test_bad_party_size_is_refused(resident, party_size):
    event = EventFactory()
    with pytest.raises(InvalidPartySizeError):
        registrations.register(event_id=event.pk, resident=resident, party_size=party_size)


def test_party_larger_than_the_event_is_refused(resident):
    event = EventFactory(capacity=2)
    with pytest.raises(PartyTooLargeError):
        registrations.register(event_id=event.pk, resident=resident, party_size=3)


def test_unlimited_event_confirms_everybody():
    event = EventFactory(capacity=None)
    for user in _residents(5):
        registrations.register(event_id=event.pk, resident=user, party_size=2)
    assert _count(event) == 10
    assert not Registration.objects.filter(status="waitlisted").exists()


def test_draft_cannot_be_registered_for_by_a_resident(resident):
    event = EventFactory(status=Event.Status.DRAFT, published_at=None)
    with pytest.raises(EventNotFoundError):
        registrations.register(event_id=event.pk, resident=resident)


def test_resident_cannot_cancel_someone_elses_registration(resident, other_resident):
    event = EventFactory()
    registration = registrations.register(event_id=event.pk, resident=resident).registration
    with pytest.raises(RegistrationNotFoundError):
        registrations.cancel_registration(registration_id=registration.pk, by_user=other_resident)


def test_cancelling_twice_is_refused(resident):
    event = EventFactory()
    registration = registrations.register(event_id=event.pk, resident=resident).registration
    registrations.cancel_registration(registration_id=registration.pk, by_user=resident)
    with pytest.raises(RegistrationNotCancellableError):
        registrations.cancel_registration(registration_id=registration.pk, by_user=resident)
    assert _count(event) == 0


def test_registration_cannot_be_cancelled_once_the_event_started(resident):
    event = EventFactory()
    registration = registrations.register(event_id=event.pk, resident=resident).registration
    later = event.starts_at + dt.timedelta(minutes=1)
    with pytest.raises(EventEndedError):
        registrations.cancel_registration(
            registration_id=registration.pk, by_user=resident, now=later
        )


def test_cancelling_for_a_cancelled_event_promotes_nobody(organiser, organisation):
    event = EventFactory(organisation=organisation, capacity=1)
    a, b = _residents(2)
    reg_a = registrations.register(event_id=event.pk, resident=a).registration
    reg_b = registrations.register(event_id=event.pk, resident=b).registration
    lifecycle.cancel_event(event_id=event.pk, by_user=organiser)

    registrations.cancel_registration(registration_id=reg_a.pk, by_user=a)

    reg_b.refresh_from_db()
    assert reg_b.status == Registration.Status.WAITLISTED


def test_promote_waitlist_fills_free_places_in_order():
    event = EventFactory(capacity=1)
    registrations.register(event_id=event.pk, resident=UserFactory(username="first"))
    waiting = [
        registrations.register(event_id=event.pk, resident=u).registration for u in _residents(3)
    ]
    # Capacity raised behind the services' back (e.g. by an admin): promotion catches up.
    Event.objects.filter(pk=event.pk).update(capacity=3)

    promoted = registrations.promote_waitlist(event_id=event.pk)

    assert [r.pk for r in promoted] == [waiting[0].pk, waiting[1].pk]
    assert _count(event) == 3


@pytest.mark.parametrize("bad_id", ["abc", -1, 0, 2**70, None])
def test_unknown_ids_are_not_found(resident, bad_id):
    with pytest.raises(EventNotFoundError):
        registrations.register(event_id=bad_id, resident=resident)
    with pytest.raises(RegistrationNotFoundError):
        registrations.cancel_registration(registration_id=bad_id, by_user=resident)
