"""A resident queues for a full court from the grid, is offered the place when it is cancelled,
sees the countdown in 我的预约 and accepts it (waitlist.js, through the API)."""

import re

import pytest
from playwright.sync_api import expect

from booking import services as booking_services
from booking.models import Booking
from tests.e2e.conftest import at, sign_in, tomorrow
from tests.e2e.pages import click_for_answer, court_slot, venue_with_policy
from tests.factories import UserFactory
from waitlist.models import WaitlistEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_resident_queues_is_offered_the_cancelled_place_and_accepts_it(page, live_server, shot):
    venue = venue_with_policy(name_zh="罗湖网球中心", name_en="Luohu Tennis Centre")
    slot = court_slot(venue, at(tomorrow(), 19), name_zh="网球1号场", name_en="Tennis court 1")
    bob = UserFactory(username="bob")
    taken = booking_services.place_booking(resident=bob, slot_id=slot.pk).booking
    UserFactory(username="alice")

    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/venues/{venue.pk}/?day={tomorrow().isoformat()}")
    queue = page.locator(f'[data-waitlist-slot="{slot.pk}"]')
    expect(queue).to_be_visible()
    answer = click_for_answer(page, queue, "POST", rf"/api/v1/slots/{slot.pk}/waitlist/")
    assert answer.status == 201
    expect(page.locator("#booking-message")).to_contain_text("1")
    shot("queued")

    booking_services.cancel_booking(booking_id=taken.pk, by_user=bob)  # the offer follows
    entry = WaitlistEntry.objects.get(slot=slot)
    assert entry.status == WaitlistEntry.Status.OFFERED

    page.goto(f"{live_server.url}/me/bookings/")
    card = page.locator(f"#waitlist-{entry.pk}")
    expect(card).to_be_visible()
    expect(card.locator(".countdown")).to_have_text(re.compile(r"1[0-5]\D+\d+"))
    # The offer's hold is free: no pay button on it in the bookings list.
    expect(page.locator(f'[data-booking="{entry.booking_id}"] [data-action="pay"]')).to_have_count(
        0
    )
    shot("offered")
    accept = card.locator('button[data-action="accept"]')
    answer = click_for_answer(page, accept, "POST", rf"/api/v1/waitlist/{entry.pk}/accept/")
    assert answer.status == 201
    expect(page.locator("#waitlist-message")).to_have_class(re.compile("success"))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.ACCEPTED
    assert Booking.objects.get(pk=entry.booking_id).status == Booking.Status.CONFIRMED
