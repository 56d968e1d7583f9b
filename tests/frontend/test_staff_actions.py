"""The staff day page offers each action only while the API would accept it: check-in inside the
booking's check-in window (checkin.codes' rule), a no-show once the slot has started and the
booking is confirmed without check-in (booking.standing's rule)."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from booking import rules
from booking.models import Booking
from tests.factories import BookingFactory, SlotFactory

pytestmark = pytest.mark.django_db

# Midday of the page's day; the venue's policy opens check-in 15 minutes before the start and
# closes it 15 minutes after (tests.factories.BookingPolicyFactory / checkin.codes defaults).
DAY = dt.date(2030, 1, 7)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=rules.local_tz())


@pytest.fixture
def staff_client(client, staff_user):  # type: ignore[no-untyped-def]
    """Signed in on DAY, so that the session is current at the moments the tests travel to."""
    with time_machine.travel(at(0), tick=False):
        client.force_login(staff_user)
    return client


@pytest.fixture
def booking_at_noon(court):  # type: ignore[no-untyped-def]
    slot = SlotFactory(resource=court, starts_at=at(12), ends_at=at(13))
    return BookingFactory(slot=slot, status=Booking.Status.CONFIRMED)


def actions(client, venue, booking, now: dt.datetime) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """The row's actions (and check-in hint) as the page renders them at `now`."""
    with time_machine.travel(now, tick=False):
        html = client.get(f"/staff/venues/{venue.pk}/", {"day": DAY.isoformat()}).content.decode()
    row = re.search(rf'<tr data-booking="{booking.pk}".*?</tr>', html, re.S)
    assert row, html
    found = re.findall(r'data-action="([\w-]+)"|data-role="(checkin-opens)"', row.group(0))
    return tuple(action or hint for action, hint in found)


def test_an_ended_booking_without_check_in_offers_a_no_show_and_no_check_in(
    staff_client, venue, booking_at_noon
):
    client = staff_client
    with time_machine.travel(at(14), tick=False):
        html = client.get(f"/staff/venues/{venue.pk}/", {"day": DAY.isoformat()}).content.decode()
    row = re.search(rf'<tr data-booking="{booking_at_noon.pk}".*?</tr>', html, re.S)
    assert row
    assert 'data-action="checkin"' not in row.group(0)
    resident = booking_at_noon.resident.get_username()
    assert (
        f'<button type="button" class="button secondary" data-action="no-show" '
        f'aria-label="标记爽约：{resident}（12:00）">标记爽约</button>'
    ) in row.group(0)


def test_each_state_offers_exactly_the_actions_that_can_succeed(
    staff_client, venue, booking_at_noon
):
    client = staff_client
    booking = booking_at_noon
    # Confirmed: before the window a hint, inside it check-in (and a no-show once started),
    # after it only the no-show.
    assert actions(client, venue, booking, at(10)) == ("checkin-opens",)
    assert actions(client, venue, booking, at(11, 50)) == ("checkin",)
    assert actions(client, venue, booking, at(12, 5)) == ("checkin", "no-show")
    assert actions(client, venue, booking, at(12, 30)) == ("no-show",)
    assert actions(client, venue, booking, at(13, 30)) == ("no-show",)
    # Checked in, already a no-show, cancelled, or held unpaid: neither.
    for status in (
        Booking.Status.CHECKED_IN,
        Booking.Status.NO_SHOW,
        Booking.Status.CANCELLED,
        Booking.Status.HELD,
    ):
        Booking.objects.filter(pk=booking.pk).update(status=status)
        for now in (at(11, 50), at(13, 30)):
            assert actions(client, venue, booking, now) == (), (status, now)


def test_the_check_in_hint_says_when_check_in_opens(staff_client, venue, booking_at_noon):
    client = staff_client
    with time_machine.travel(at(10), tick=False):
        html = client.get(f"/staff/venues/{venue.pk}/", {"day": DAY.isoformat()}).content.decode()
    assert '<span class="muted" data-role="checkin-opens">11:45 开放签到</span>' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with time_machine.travel(at(10), tick=False):
        html = client.get(f"/staff/venues/{venue.pk}/", {"day": DAY.isoformat()}).content.decode()
    assert "Check-in opens at 11:45" in html
    assert "Mark no-show" not in html


def test_english_page_names_the_no_show_button(staff_client, venue, booking_at_noon):
    client = staff_client
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with time_machine.travel(at(14), tick=False):
        html = client.get(f"/staff/venues/{venue.pk}/", {"day": DAY.isoformat()}).content.decode()
    resident = booking_at_noon.resident.get_username()
    assert f'aria-label="Mark no-show: {resident} (12:00)">Mark no-show</button>' in html


def test_today_is_the_default_day(client, staff_user, venue, court):
    # The same page without ?day=: a booking of today that ended offers its no-show.
    now = timezone.now()
    start = rules.day_bounds(rules.local_date(now))[0]
    slot = SlotFactory(resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    booking = BookingFactory(slot=slot, status=Booking.Status.CONFIRMED)
    client.force_login(staff_user)
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        html = client.get(f"/staff/venues/{venue.pk}/").content.decode()
    row = re.search(rf'<tr data-booking="{booking.pk}".*?</tr>', html, re.S)
    assert row and 'data-action="no-show"' in row.group(0)
