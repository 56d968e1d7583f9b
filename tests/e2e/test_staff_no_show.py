"""Staff mark a no-show of an ended booking from the day page (issue 15: the strike system is fed
from the staff page); the ended booking offers no check-in that could only fail."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking import rules
from booking.models import Booking, Strike
from tests.e2e.conftest import sign_in
from tests.e2e.pages import click_for_answer, court_slot, venue_with_policy
from tests.factories import BookingFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_mark_a_no_show_of_an_ended_booking_from_the_day_page(page, live_server, shot):
    staff = UserFactory(username="staff")
    venue = venue_with_policy(name_zh="罗湖体育馆（演示）", staff=staff)
    # Ended an hour ago; its day is yesterday's page shortly after midnight.
    starts = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=2)
    # The booking holds the court's one place (as place_booking would have taken it).
    slot = court_slot(venue, starts, name_zh="3号场", slot={"remaining": 0})
    booking = BookingFactory(
        slot=slot, resident=UserFactory(username="alice"), status=Booking.Status.CONFIRMED
    )
    day = rules.local_date(starts).isoformat()

    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/staff/venues/{venue.pk}/?day={day}")
    row = page.locator(f'tr[data-booking="{booking.pk}"]')
    expect(row).to_contain_text("alice")
    expect(row.locator('[data-role="status"]')).to_have_text("已确认")
    expect(row.get_by_role("button", name="签到")).to_have_count(0)

    no_show = row.get_by_role("button", name="标记爽约")
    answer = click_for_answer(page, no_show, "POST", rf"/api/v1/bookings/{booking.pk}/no-show/")
    assert answer.status == 200
    expect(page.locator("#staff-message")).to_contain_text("已记为爽约")
    expect(row.locator('[data-role="status"]')).to_have_text("爽约")
    expect(row.locator("button[data-action]")).to_have_count(0)
    shot("no-show")

    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert Strike.objects.filter(booking=booking, kind=Strike.Kind.NO_SHOW).count() == 1
