"""Paid events in the events app alone (no Stripe): held places, confirm, release, promotion."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from events import registrations
from events.exceptions import AlreadyRegisteredError, EventFullError
from events.models import Event, Registration
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _payments_on(settings):  # type: ignore[no-untyped-def]
    settings.STRIPE_ENABLED = True  # events only reads the flag; nothing here calls Stripe


def taken(event):  # type: ignore[no-untyped-def]
    return Event.objects.get(pk=event.pk).registered_count


def test_held_place_counts_like_a_confirmed_one(resident):
    event = EventFactory(price=Decimal("10.00"), capacity=1, waitlist_enabled=False)
    held = registrations.register(event_id=event.pk, resident=resident).registration
    assert held.status == Registration.Status.HELD
    assert taken(event) == 1
    with pytest.raises(EventFullError):
        registrations.register(event_id=event.pk, resident=UserFactory())
    with pytest.raises(AlreadyRegisteredError):
        registrations.register(event_id=event.pk, resident=resident)


def test_confirm_is_idempotent_and_takes_no_second_place(resident):
    event = EventFactory(price=Decimal("10.00"))
    held = registrations.register(event_id=event.pk, resident=resident).registration

    assert registrations.confirm_registration(registration_id=held.pk) == "confirmed"
    assert registrations.confirm_registration(registration_id=held.pk) == "already_confirmed"

    held.refresh_from_db()
    assert held.status == Registration.Status.CONFIRMED
    assert held.sequence == 1
    assert taken(event) == 1


def test_release_frees_the_place_once_and_promotes_into_a_hold(resident):
    event = EventFactory(price=Decimal("10.00"), capacity=2)
    held = registrations.register(event_id=event.pk, resident=resident, party_size=2).registration
    waiting = registrations.register(event_id=event.pk, resident=UserFactory()).registration
    assert waiting.status == Registration.Status.WAITLISTED

    assert registrations.release_registration(registration_id=held.pk) is True
    assert registrations.release_registration(registration_id=held.pk) is False
    assert registrations.confirm_registration(registration_id=held.pk) == "not_held"

    held.refresh_from_db()
    assert held.status == Registration.Status.EXPIRED
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.HELD
    assert waiting.amount == Decimal("10.00")
    assert taken(event) == 1


def test_expire_leaves_a_running_hold_alone(resident):
    event = EventFactory(price=Decimal("10.00"))
    held = registrations.register(event_id=event.pk, resident=resident).registration
    early = held.hold_expires_at - dt.timedelta(seconds=1)
    assert registrations.expire_registration(registration_id=held.pk, now=early) is False
    late = held.hold_expires_at + dt.timedelta(seconds=1)
    assert registrations.expire_registration(registration_id=held.pk, now=late) is True
    assert taken(event) == 0


def test_promotion_hold_never_outlasts_the_event_start(settings, resident):
    settings.EVENT_PROMOTION_HOLD_MINUTES = 24 * 60
    event = EventFactory(price=Decimal("10.00"), capacity=1)
    first = registrations.register(event_id=event.pk, resident=resident).registration
    waiting = registrations.register(event_id=event.pk, resident=UserFactory()).registration

    registrations.cancel_registration(registration_id=first.pk, by_user=resident)

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.HELD
    assert timezone.now() < waiting.hold_expires_at <= event.last_starts_at


def test_free_event_promotion_still_confirms(resident):
    event = EventFactory(capacity=1)
    first = registrations.register(event_id=event.pk, resident=resident).registration
    waiting = registrations.register(event_id=event.pk, resident=UserFactory()).registration

    registrations.cancel_registration(registration_id=first.pk, by_user=resident)

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert waiting.hold_expires_at is None
