"""Organisers publish events to the calendar and feeds; staff check residents in; English."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from booking import rules
from booking.models import Booking
from events.models import Event
from tests.e2e.conftest import api_call, sign_in, tomorrow
from tests.e2e.pages import click_for_answer, court_slot, fill_event_form, venue_with_policy
from tests.factories import BookingFactory, EventFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_organiser_creates_and_publishes_an_event_that_reaches_the_calendar_and_feed(
    page, live_server, shot
):
    organiser = UserFactory(username="organiser")
    OrganisationFactory(members=[organiser], name_zh="罗湖区围棋协会（演示）")
    base = live_server.url
    sign_in(page, base, "organiser")
    page.get_by_role("link", name="主办方").click()
    page.get_by_role("link", name="新建活动").click()

    day = tomorrow() + dt.timedelta(days=2)
    # Not at a venue: events at public venues wait for the district's approval first. The end
    # before the start: the API's validation message appears under the field.
    fill_event_form(
        page,
        title_zh="罗湖围棋公开赛（演示）",
        title_en="Luohu Go Open (demo)",
        category="mind_sports",
        location_zh="罗湖区文化馆",
        starts=f"{day.isoformat()}T14:00",
        ends=f"{day.isoformat()}T13:00",
    )
    page.fill("#e-capacity", "32")
    save = page.locator("#save-event")
    assert click_for_answer(page, save, "POST", "/api/v1/events/").status == 400
    expect(page.locator("#e-ends_at-error")).to_be_visible()
    expect(page.locator("#e-ends_at")).to_have_attribute("aria-invalid", "true")
    shot("validation")
    page.fill("#e-ends_at", f"{day.isoformat()}T18:00")
    page.click("#save-event")
    page.wait_for_url("**/organiser/events/*/?created=1")
    event = Event.objects.get(title_zh="罗湖围棋公开赛（演示）")
    assert event.status == Event.Status.DRAFT
    publish = page.get_by_role("button", name="发布", exact=True)
    assert click_for_answer(page, publish, "POST", rf"/api/v1/events/{event.pk}/publish/").ok
    expect(page.locator("#event-status")).to_have_text("已发布")
    shot("published")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED

    page.goto(f"{base}/events/?month={day:%Y-%m}")
    link = page.locator("table.month").get_by_role("link", name="罗湖围棋公开赛（演示）")
    expect(link).to_be_visible()
    shot("calendar")
    page.goto(f"{base}/events/?view=list&category=mind_sports")
    expect(page.locator("#event-list")).to_contain_text("罗湖围棋公开赛（演示）")
    feed = page.request.get(f"{base}/calendar/events.ics")
    assert feed.ok
    assert "text/calendar" in feed.headers["content-type"]
    assert "罗湖围棋公开赛（演示）" in feed.text().replace("\r\n ", "")


def test_resident_registers_for_an_event(page, live_server, shot):
    UserFactory(username="alice")
    event = EventFactory(title_zh="梧桐山登高赛（演示）", capacity=1)
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/events/{event.pk}/")
    register = page.locator("#register")
    answer = click_for_answer(page, register, "POST", r"/api/v1/events/\d+/registrations/")
    assert answer.status == 201
    expect(page.locator("#event-message")).to_contain_text("报名成功")
    expect(page.locator("#unregister")).to_be_focused()
    shot("registered")
    assert event.registrations.filter(resident__username="alice", status="confirmed").exists()


def test_staff_checks_a_resident_in_from_the_days_list(page, live_server, shot):
    staff = UserFactory(username="staff")
    venue = venue_with_policy(name_zh="东湖公园智能健身房（演示）", staff=staff)
    from django.utils import timezone

    # Check-in is open from 15 minutes before the start, and the staff page shows today: a start
    # five minutes ahead, or five minutes ago when that would be tomorrow (from 23:55 on).
    now = timezone.now().replace(second=0, microsecond=0)
    starts = now + dt.timedelta(minutes=5)
    if rules.local_date(starts) != rules.local_date(now):
        starts = now - dt.timedelta(minutes=5)
    slot = court_slot(venue, starts, name_zh="健身区", exclusive=False, capacity=20)
    booking = BookingFactory(
        slot=slot, resident=UserFactory(username="alice"), status=Booking.Status.CONFIRMED
    )
    sign_in(page, live_server.url, "staff")
    page.get_by_role("link", name="场馆工作人员").click()
    row = page.locator(f'tr[data-booking="{booking.pk}"]')
    expect(row).to_contain_text("alice")
    checkin = api_call("POST", "/api/v1/checkins/")
    with page.expect_response(checkin) as answer:
        row.get_by_role("button", name="签到").click()
    assert answer.value.ok
    expect(page.locator("#staff-message")).to_contain_text("签到成功")
    expect(row.locator('[data-role="status"]')).to_have_text("已签到")
    shot("checked-in")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN

    # A second check-in with the same code (typed in) is refused with its reason.
    from checkin.codes import checkin_code_for

    page.fill("#checkin-code", checkin_code_for(booking))
    with page.expect_response(checkin) as answer:
        page.get_by_role("button", name="签到", exact=True).last.click()
    assert answer.value.ok  # refused with its reason in the body
    expect(page.locator("#staff-message")).to_contain_text("已经签到过")


def test_the_language_switch_shows_english(page, live_server, shot):
    venue = venue_with_policy(name_zh="罗湖体育馆（演示）", name_en="Luohu Gymnasium (demo)")
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("查找场馆")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Find a venue")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(f'[data-venue-id="{venue.pk}"]')).to_contain_text("Luohu Gymnasium (demo)")
    shot("english")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_have_text("查找场馆")
