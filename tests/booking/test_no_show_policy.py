"""Venues where nobody scans check-in codes never turn bookings into no-shows."""

import datetime as dt

import pytest

from booking.models import Booking, Strike
from tests.booking.test_standing import DAY0, no_show_at
from tests.factories import BookingPolicyFactory, ResourceFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_unchecked_booking_stays_confirmed_where_check_in_is_not_required(resident):
    venue = VenueFactory()
    BookingPolicyFactory(venue=venue, checkin_required=False)
    court = ResourceFactory(venue=venue)
    booking = no_show_at(resident, court, DAY0 + dt.timedelta(days=2))
    assert booking.status == Booking.Status.CONFIRMED
    assert not Strike.objects.exists()


def test_unchecked_booking_is_a_no_show_where_check_in_is_required(resident, court):
    assert court.venue.policy.checkin_required  # the default
    booking = no_show_at(resident, court, DAY0 + dt.timedelta(days=2))
    assert booking.status == Booking.Status.NO_SHOW
    assert Strike.objects.filter(booking=booking).count() == 1
