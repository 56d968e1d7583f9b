"""Subscription links point at the server that served the page (issue 15, item 3): with
SITE_URL unset they take the request's scheme and host:port, here the live server's random
port over plain http, and a calendar app fetching them gets the feed."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import at, sign_in, tomorrow
from tests.e2e.devices import PHONE_ZH
from tests.e2e.pages import device_page
from tests.factories import BookingFactory, EventFactory, SlotFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_subscription_links_served_on_another_port_fetch_the_feeds(browser, live_server, settings):
    settings.SITE_URL = ""
    port = urlsplit(live_server.url).port
    assert port not in (None, 80, 8000)
    resident = UserFactory(username="alice")
    starts = at(tomorrow(), 18)
    slot = SlotFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    booking = BookingFactory(slot=slot, resident=resident)
    EventFactory(title_zh="梧桐山登高赛（演示）")
    with device_page(browser, PHONE_ZH) as page:
        sign_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/me/bookings/")
        feed = page.locator("#feed-https")
        expect(page.locator("#feed-box")).to_be_visible()
        link = feed.input_value()
        assert link.startswith(f"http://{urlsplit(live_server.url).netloc}/calendar/me/"), link
        webcal = page.locator("#feed-webcal").get_attribute("href")
        assert webcal == "webcal://" + link.removeprefix("http://")
        # A calendar app has no session: the secret link alone fetches the feed.
        answer = page.context.request.get(link, headers={"Cookie": ""})
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("text/calendar")
        assert f"booking-{booking.uid}@" in answer.text().replace("\r\n ", "")

        # The public events feed linked from the calendar page: the same server too.
        page.goto(f"{live_server.url}/events/")
        public = page.locator("#subscribe a", has_text="(http)").get_attribute("href")
        assert public and public.startswith(f"{live_server.url}/calendar/"), public
        answer = page.context.request.get(public)
        assert answer.status == 200
        assert "梧桐山登高赛（演示）" in answer.text().replace("\r\n ", "")
