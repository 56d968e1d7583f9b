"""`venues.policies`: a venue's policy or the default one, the same for every reader."""

import datetime as dt

import pytest
from django.utils import timezone

from booking import rules
from booking.models import Booking
from tests.factories import BookingPolicyFactory, VenueFactory
from venues.models import BookingPolicy
from venues.policies import default_policy, or_default, policy_for, policy_of_venue_id

pytestmark = pytest.mark.django_db


def test_a_venue_with_a_policy_gets_it():
    policy = BookingPolicyFactory(window_days=3)
    assert policy_for(policy.venue) == policy
    assert policy_of_venue_id(policy.venue_id) == policy


def test_a_venue_without_a_policy_gets_unsaved_defaults_with_the_settings_hold(settings):
    settings.BOOKING_HOLD_MINUTES = 7
    venue = VenueFactory()
    policy = policy_for(venue)
    assert policy.pk is None and policy.venue_id == venue.pk
    assert (policy.window_days, policy.release_time) == (7, dt.time(12, 0))
    assert policy.hold_minutes == 7
    assert policy_of_venue_id(venue.pk).hold_minutes == 7
    # The default is not cached on the venue: it still says "no policy" (the API shows null).
    with pytest.raises(BookingPolicy.DoesNotExist):
        venue.policy  # noqa: B018
    assert BookingPolicy.objects.count() == 0


def test_or_default_keeps_a_policy_and_fills_in_none():
    policy = BookingPolicyFactory()
    assert or_default(policy) is policy
    assert or_default(None).cancel_deadline_hours == default_policy().cancel_deadline_hours == 2


def test_cancelling_rules_follow_the_service_held_and_confirmed_until_the_start():
    now = timezone.now()
    later = now + dt.timedelta(hours=1)
    for status in Booking.Status.values:
        expected = status in (Booking.Status.HELD, Booking.Status.CONFIRMED)
        assert rules.is_cancellable(status=status, starts_at=later, now=now) is expected
    assert not rules.is_cancellable(status=Booking.Status.CONFIRMED, starts_at=now, now=now)


def test_only_the_owner_cancelling_a_confirmed_booking_after_the_deadline_is_late():
    now = timezone.now()
    soon = now + dt.timedelta(hours=1)  # inside the default 2-hour deadline
    confirmed, held = Booking.Status.CONFIRMED, Booking.Status.HELD
    late = rules.is_late_cancellation
    assert late(status=confirmed, starts_at=soon, policy=None, now=now)
    assert not late(status=held, starts_at=soon, policy=None, now=now)
    assert not late(status=confirmed, starts_at=soon, policy=None, now=now, by_owner=False)
    assert not late(status=confirmed, starts_at=now + dt.timedelta(hours=3), policy=None, now=now)
    lenient = BookingPolicyFactory(cancel_deadline_hours=0)
    assert not late(status=confirmed, starts_at=soon, policy=lenient, now=now)
