"""The predicate pages use to offer check-in agrees with the service that decides (no-show:
tests/booking/test_action_predicates.py, whose moments and statuses these tests share)."""

import pytest

from booking.models import Booking
from checkin.codes import checkin_code_for
from checkin.services import check_in, checkin_refusal
from tests.booking.test_action_predicates import MOMENTS, STATUSES, at
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("now", MOMENTS)
def test_checkin_refusal_is_what_check_in_answers(court, staff_user, status, now):
    slot = SlotFactory(resource=court, starts_at=at(12), ends_at=at(13))
    booking = BookingFactory(slot=slot, status=Booking.Status.CONFIRMED)
    code = checkin_code_for(booking)  # a code exists only for a confirmed booking
    Booking.objects.filter(pk=booking.pk).update(status=status)
    booking = Booking.objects.select_related("venue__policy").get(pk=booking.pk)
    predicted = checkin_refusal(booking=booking, now=now)
    assert check_in(code=code, staff=staff_user, now=now).reason == predicted
