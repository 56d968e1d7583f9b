"""A resident joins a full event's waiting list on the event page and finds the registration,
with its place on the waiting list, in My bookings (issue 15, item 5). Phone in Chinese and
desktop in English; assertions on ids and data attributes, not on translated text."""

import pytest
from playwright.sync_api import expect

from events.models import Registration
from tests.e2e.conftest import api_call, sign_in
from tests.e2e.devices import DEVICE_IDS, DEVICES
from tests.e2e.pages import device_page
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", DEVICES, ids=DEVICE_IDS)
def test_resident_sees_their_registration_and_waiting_list_place_in_my_bookings(
    browser, live_server, device
):
    UserFactory(username="alice")
    full = EventFactory(title_zh="梧桐山登高赛（演示）", title_en="Wutong Climb (demo)", capacity=1)
    full.registered_count = 1
    full.save(update_fields=["registered_count"])
    RegistrationFactory(event=full)
    RegistrationFactory(event=full, status=Registration.Status.WAITLISTED)
    weekly = EventFactory(
        title_zh="周末太极（演示）", title_en="Weekend tai chi (demo)", rrule="FREQ=WEEKLY;COUNT=4"
    )
    with device_page(browser, device) as page:
        base = live_server.url
        sign_in(page, base, "alice")
        page.goto(f"{base}/events/{full.pk}/")
        with page.expect_response(
            api_call("POST", rf"/api/v1/events/{full.pk}/registrations/")
        ) as answer:
            page.click("#register")
        assert answer.value.status == 201
        assert answer.value.json()["status"] == "waitlisted"
        assert answer.value.json()["position"] == 2
        page.goto(f"{base}/events/{weekly.pk}/")
        with page.expect_response(api_call("POST", rf"/api/v1/events/{weekly.pk}/registrations/")):
            page.click("#register")
        # The live message links to My bookings' registrations.
        page.locator("#event-message a").click()
        page.wait_for_url("**/me/bookings/#registrations")

        mine = Registration.objects.get(event=full, resident__username="alice")
        card = page.locator(f"#registrations #registration-{mine.pk}")
        expect(card).to_contain_text(
            full.title_en if device["locale"] == "en-US" else full.title_zh
        )
        expect(card.locator('[data-role="position"]')).to_have_attribute("data-position", "2")
        expect(card.locator('[data-role="position"]')).to_contain_text("2")
        series = Registration.objects.get(event=weekly, resident__username="alice")
        expect(page.locator(f"#registration-{series.pk} [data-role='series']")).to_be_visible()
