"""A resident finds a venue, books in one click, cancels; refusals are explained."""

import re

import pytest
from playwright.sync_api import expect

from booking.models import Booking, Slot
from tests.e2e.conftest import api_call, at, sign_in, tomorrow
from tests.e2e.pages import click_for_answer, venue_with_policy
from tests.factories import ResourceFactory, SlotFactory, SportFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOOKINGS = "/api/v1/bookings/"
BOOK = api_call("POST", BOOKINGS)


@pytest.fixture
def sports_centre():  # type: ignore[no-untyped-def]
    badminton = SportFactory()
    venue = venue_with_policy(
        policy={"max_bookings_per_day": 2},
        sport=badminton,
        name_zh="罗湖体育中心（演示）",
        name_en="Luohu Sports Centre (demo)",
        address_zh="深圳市罗湖区东门北路",
        street="东门街道",
        amenities=["淋浴", "停车场"],
    )
    day = tomorrow()
    for index in range(1, 5):
        court = ResourceFactory(
            venue=venue,
            name_zh=f"羽毛球{index}号场",
            name_en=f"Badminton court {index}",
            sport=badminton,
            sort_order=index,
        )
        for hour in range(8, 22):
            SlotFactory(resource=court, starts_at=at(day, hour))
    return venue


def slot_at(venue, court_index: int, hour: int) -> Slot:  # type: ignore[no-untyped-def]
    return Slot.objects.get(
        venue=venue, resource__name_zh=f"羽毛球{court_index}号场", starts_at=at(tomorrow(), hour)
    )


def book(page, slot: Slot):  # type: ignore[no-untyped-def]
    """Click the grid's button of `slot`; the booking API's answer."""
    return click_for_answer(
        page, page.locator(f'button.slot[data-slot="{slot.pk}"]'), "POST", BOOKINGS
    )


def test_resident_books_in_one_click_sees_it_cancels_and_another_resident_sees_it_free(
    page, live_server, sports_centre, shot
):
    UserFactory(username="alice")
    UserFactory(username="bob")
    base = live_server.url
    sign_in(page, base, "alice")

    # Find a venue: filter by sport and day.
    page.select_option("#f-sport", "badminton")
    page.fill("#f-day", tomorrow().isoformat())
    page.click("form[role=search] button[type=submit]")
    card = page.locator(f'[data-venue-id="{sports_centre.pk}"]')
    expect(card).to_contain_text("56 个空位")
    shot("venue-search")
    card.get_by_role("link").click()

    slot = slot_at(sports_centre, 2, 19)
    button = page.locator(f'button.slot[data-slot="{slot.pk}"]')
    expect(button).to_be_visible()
    assert book(page, slot).status == 201
    expect(page.locator("#booking-message")).to_contain_text("预约成功")
    # The message says which day, with its weekday (issue 15: "the success message has no date").
    expect(page.locator("#booking-message")).to_contain_text(f"{tomorrow().isoformat()} 周")
    # The grid updates in place: the slot is now the resident's, not a button any more.
    expect(page.locator(f'.slot.mine[data-slot="{slot.pk}"]')).to_be_visible()
    shot("booked")
    booking = Booking.objects.get(slot=slot)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.resident.username == "alice"

    page.click("#booking-message a")
    item = page.locator(f"#booking-{booking.pk}")
    expect(item).to_contain_text("羽毛球2号场")
    expect(item).to_contain_text("已确认")
    expect(item).to_contain_text("免费取消截止")
    # The personal feed: https and webcal:// links; a new link replaces the old one.
    feed = page.locator("#feed-https")
    expect(feed).to_have_value(re.compile(r"^https?://.+/calendar/me/[^/]+\.ics$"))
    old_link = feed.input_value()
    expect(page.locator("#feed-webcal")).to_have_attribute("href", re.compile(r"^webcal://"))
    shot("my-bookings")
    rotate = page.locator("#feed-rotate")
    assert click_for_answer(page, rotate, "POST", "/api/v1/me/calendar/rotate/").ok
    expect(feed).not_to_have_value(old_link)
    expect(page.locator("#bookings-message")).to_contain_text("旧链接已失效")
    item.get_by_role("button", name="取消预约").click()
    yes = item.get_by_role("button", name="确定取消")
    answer = click_for_answer(page, yes, "POST", rf"/api/v1/bookings/{booking.pk}/cancel/")
    assert answer.status == 200
    expect(page.locator("#bookings-message")).to_contain_text("预约已取消")
    expect(item.locator('[data-role="status"]')).to_have_text("已取消")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED

    # Sign out; the second resident sees the slot free again.
    page.get_by_role("button", name="退出").click()
    sign_in(page, base, "bob")
    page.goto(f"{base}/venues/{sports_centre.pk}/?day={tomorrow().isoformat()}")
    expect(page.locator(f'button.slot[data-slot="{slot.pk}"]')).to_be_visible()
    shot("free-again")


def test_double_click_on_a_slot_makes_one_booking(page, live_server, sports_centre, shot):
    UserFactory(username="alice")
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/venues/{sports_centre.pk}/?day={tomorrow().isoformat()}")
    slot = slot_at(sports_centre, 1, 20)
    with page.expect_response(BOOK) as answer:
        page.locator(f'button.slot[data-slot="{slot.pk}"]').dblclick()
    assert answer.value.status == 201  # the second click is ignored while the first is sent
    expect(page.locator(f'.slot.mine[data-slot="{slot.pk}"]')).to_be_visible()
    shot("after-double-click")
    assert Booking.objects.filter(slot=slot).count() == 1

    # Two requests sent at once with the key of one click target (what a double click sends
    # when the first answer is lost) still make one booking: the API replays the first.
    other = slot_at(sports_centre, 3, 20)
    statuses = page.evaluate(
        """async (slotId) => {
            const target = document.createElement("button");
            const key = LuohuApi.keyFor(target);
            const send = () => LuohuApi.post("/api/v1/bookings/", {slot: slotId, party_size: 1},
                                            {idempotencyKey: key}).then(r => r.status, e => e.code);
            return Promise.all([send(), send()]);
        }""",
        other.pk,
    )
    assert set(statuses) <= {200, 201}, statuses
    assert Booking.objects.filter(slot=other).count() == 1


def test_a_refused_booking_says_why(page, live_server, sports_centre, shot):
    UserFactory(username="alice")
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/venues/{sports_centre.pk}/?day={tomorrow().isoformat()}")
    for court, hour in ((1, 9), (2, 10)):
        slot = slot_at(sports_centre, court, hour)
        assert book(page, slot).status == 201
        expect(page.locator(f'.slot.mine[data-slot="{slot.pk}"]')).to_be_visible()
    third = slot_at(sports_centre, 3, 11)
    assert book(page, third).status == 422
    message = page.locator("#booking-message")
    expect(message).to_contain_text("已达上限")
    expect(message).to_have_class(re.compile(r"\berror\b"))
    shot("quota-refused")
    assert not Booking.objects.filter(slot=third).exists()


def test_the_grid_is_usable_with_the_keyboard(page, live_server, sports_centre):
    UserFactory(username="alice")
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/venues/{sports_centre.pk}/?day={tomorrow().isoformat()}")
    first = page.locator("button.slot").first
    first.focus()
    slot_id = int(first.get_attribute("data-slot"))
    with page.expect_response(BOOK) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 201
    expect(page.locator(f'.slot.mine[data-slot="{slot_id}"]')).to_be_focused()
    assert Booking.objects.filter(slot_id=slot_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_slot_taken_by_someone_else_is_refused_and_shown_taken(
    page, live_server, sports_centre, shot, settings
):
    """The page was loaded before another resident won the slot; the grid may be a second old."""
    from booking import services

    settings.AVAILABILITY_CACHE_MS = 5000  # the kept grid still says "free" after the refusal
    UserFactory(username="alice")
    winner = UserFactory(username="bob")
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/venues/{sports_centre.pk}/?day={tomorrow().isoformat()}")
    slot = slot_at(sports_centre, 4, 19)
    button = page.locator(f'button.slot[data-slot="{slot.pk}"]')
    expect(button).to_be_visible()
    page.evaluate(  # the page's own grid refresh fills the server's kept grid with "free"
        "() => window.LuohuGrid.refresh()"
    )
    services.place_booking(resident=winner, slot_id=slot.pk)
    assert book(page, slot).status == 409
    expect(page.locator("#booking-message")).to_contain_text("被别人预约")
    expect(page.locator(f'.slot.taken[data-slot="{slot.pk}"]')).to_be_visible()
    expect(page.locator(f'button.slot[data-slot="{slot.pk}"]')).to_have_count(0)
    shot("slot-taken-refused")
    assert list(Booking.objects.filter(slot=slot).values_list("resident__username", flat=True)) == [
        "bob"
    ]
