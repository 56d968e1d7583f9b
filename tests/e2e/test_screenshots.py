"""Screenshots of the venue grid, the event calendar and My bookings for the README, on a
desktop and on a 390 px phone.

Saved under test-artifacts/ on every run; `UPDATE_SCREENSHOTS=1` also writes them to
docs/screenshots/ (venue-grid, event-calendar, and *-phone.png).
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from booking.models import Booking
from tests.e2e.conftest import ARTIFACTS, at, sign_in, tomorrow
from tests.e2e.devices import DESKTOP_EN, PHONE_ZH
from tests.e2e.pages import click_for_answer, device_page, venue_with_policy
from tests.factories import (
    BookingFactory,
    EventFactory,
    OrganisationFactory,
    ResourceFactory,
    SlotFactory,
    SportFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The README's desktop pictures: in Chinese, a little taller than the desktop journeys' window.
DESKTOP_ZH = {**DESKTOP_EN, "viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}

EVENTS = [
    (2, 9, "race", "梧桐山登高赛（演示）", "Wutong Mountain Climbing Race (demo)"),
    (4, 19, "dance", "深圳国际标准舞全国公开赛（演示）", "Shenzhen Standard Dance Open (demo)"),
    (6, 14, "tennis", "中国网球巡回赛罗湖站（演示）", "China Tennis Tour, Luohu (demo)"),
    (9, 10, "mind_sports", "罗湖围棋公开赛（演示）", "Luohu Go Open (demo)"),
    (9, 15, "mind_sports", "象棋擂台赛（演示）", "Xiangqi Challenge (demo)"),
    (12, 20, "esports", "天美电竞邀请赛（演示）", "TiMi Esports Invitational (demo)"),
    (15, 19, "culture", "粤剧周开幕演出（演示）", "Cantonese Opera Week opening (demo)"),
    (17, 8, "fitness", "全民健身日健步走（演示）", "National Fitness Day walk (demo)"),
]


def _save(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"readme-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")


def test_readme_screenshots_of_the_venue_grid_and_the_event_calendar(browser, live_server):
    badminton = SportFactory()
    venue = venue_with_policy(
        sport=badminton,
        name_zh="罗湖体育中心（演示）",
        address_zh="深圳市罗湖区东门北路1008号",
        street="东门街道",
        amenities=["淋浴", "更衣室", "停车场", "无障碍通道"],
        latitude="22.548500",
        longitude="114.123100",
    )
    others = [UserFactory(username=f"neighbour{i}") for i in range(4)]
    UserFactory(username="demo")
    day = tomorrow()
    for index in range(1, 9):
        court = ResourceFactory(
            venue=venue, name_zh=f"羽毛球{index}号场", sport=badminton, sort_order=index
        )
        for hour in range(8, 22):
            slot = SlotFactory(
                resource=court, starts_at=at(day, hour), price=0, public_benefit=hour < 10
            )
            if (hour >= 18 and (index + hour) % 3 != 0) or (index * hour) % 7 == 0:
                BookingFactory(slot=slot, resident=others[(index + hour) % 4])
                slot.remaining = 0
                slot.save(update_fields=["remaining"])
    organisation = OrganisationFactory(name_zh="罗湖区文化广电旅游体育局（演示）")
    # Next month: every event in the picture is still to come, whatever today's date.
    month_start = (dt.date(day.year, day.month, 1) + dt.timedelta(days=32)).replace(day=1)
    with device_page(browser, DESKTOP_ZH) as page:
        sign_in(page, live_server.url, "demo")
        page.goto(f"{live_server.url}/venues/{venue.pk}/?day={day.isoformat()}")
        free = page.locator("button.slot").nth(5)
        assert click_for_answer(page, free, "POST", "/api/v1/bookings/").status == 201
        expect(page.locator("#booking-message")).to_contain_text("预约成功")
        expect(page.locator("#grid .slot.mine")).to_have_count(1)  # the grid refreshed in place
        assert Booking.objects.filter(resident__username="demo").count() == 1
        page.evaluate("window.scrollTo(0, 0)")
        _save(page, "venue-grid")

        for offset, hour, category, zh, en in EVENTS:
            starts = at(month_start + dt.timedelta(days=offset), hour)
            EventFactory(
                organisation=organisation,
                category=category,
                title_zh=zh,
                title_en=en,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=3),
            )
        page.goto(f"{live_server.url}/events/?month={month_start:%Y-%m}")
        expect(page.locator("table.month")).to_contain_text("梧桐山登高赛")
        _save(page, "event-calendar")

    # The same on a phone: the grid keeps the time header and the courts in view, month titles
    # wrap, and My bookings lists the booking just made.
    with device_page(browser, PHONE_ZH) as page:
        sign_in(page, live_server.url, "demo")
        page.goto(f"{live_server.url}/venues/{venue.pk}/?day={day.isoformat()}")
        page.locator("#grid").scroll_into_view_if_needed()
        page.locator("#grid").evaluate("el => { el.scrollTop = 200; el.scrollLeft = 300; }")
        _save(page, "venue-grid-phone")
        page.goto(f"{live_server.url}/events/?month={month_start:%Y-%m}")
        page.locator("table.month").scroll_into_view_if_needed()
        _save(page, "event-calendar-phone")
        page.goto(f"{live_server.url}/me/bookings/")
        expect(page.locator("#upcoming .booking")).to_have_count(1)
        _save(page, "my-bookings-phone")
