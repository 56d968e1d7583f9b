"""An organiser makes a weekly event with the repeat builder (no RRULE typing) and is offered
only the commands the event's state allows; on a phone the cancel confirmation is on screen."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from events.lifecycle import allowed_actions
from events.models import Event
from tests.e2e.conftest import api_call, sign_in, tomorrow
from tests.e2e.devices import DEVICE_IDS, DEVICES
from tests.e2e.pages import device_page, fill_event_form
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def offered(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        page.locator("[data-command]").evaluate_all("els => els.map(e => e.dataset.command)")
    )


@pytest.mark.parametrize("device", DEVICES, ids=DEVICE_IDS)
def test_organiser_builds_a_weekly_event_and_sees_only_allowed_actions(
    browser, live_server, device, request
):
    organiser = UserFactory(username="organiser")
    OrganisationFactory(members=[organiser])
    with device_page(browser, device) as page:
        base = live_server.url
        sign_in(page, base, "organiser")
        page.goto(f"{base}/organiser/events/new/")
        first = tomorrow() + dt.timedelta(days=1)
        other = (first.weekday() + 3) % 7
        fill_event_form(
            page,
            title_zh="周末太极（演示）",
            title_en="Weekend tai chi (demo)",
            category="fitness",
            location_zh="洪湖公园",
            starts=f"{first.isoformat()}T08:00",
            ends=f"{first.isoformat()}T09:00",
        )

        # The builder: weekly, on the start's weekday (preselected) and one more, 6 times,
        # skipping the second week's first date.
        page.select_option("#r-freq", "WEEKLY")
        expect(page.locator(f"#r-day-{CODES[first.weekday()]}")).to_be_checked()
        page.locator(f'label[for="r-day-{CODES[other]}"]').click()
        page.locator('label[for="r-end-count"]').click()
        page.fill("#r-count", "6")
        skip = first + dt.timedelta(days=7)
        page.fill("#r-skip", skip.isoformat())
        page.click("#r-skip-add")
        expect(page.locator(f'#r-skip-list li[data-date="{skip.isoformat()}"]')).to_be_visible()
        days = ",".join(c for i, c in enumerate(CODES) if i in {first.weekday(), other})
        expect(page.locator("#e-rrule")).to_have_value(f"FREQ=WEEKLY;BYDAY={days};COUNT=6")
        expect(page.locator("#r-summary")).to_contain_text("FREQ=WEEKLY")

        with page.expect_response(api_call("POST", "/api/v1/events/")) as answer:
            page.click("#save-event")
        assert answer.value.status == 201, answer.value.text()
        page.wait_for_url("**/organiser/events/*/?created=1")
        event = Event.objects.get(title_zh="周末太极（演示）")
        assert event.rrule == f"FREQ=WEEKLY;BYDAY={days};COUNT=6"
        assert [d[:16] for d in event.exdates] == [f"{skip.isoformat()}T08:00"]
        # The edit page loads the rule back into the builder.
        expect(page.locator("#r-freq")).to_have_value("WEEKLY")
        expect(page.locator("#r-count")).to_have_value("6")
        expect(page.locator("#r-skip-list li")).to_have_count(1)

        # A draft: publish and cancel, never postpone (the API would answer 409).
        assert offered(page) == set(allowed_actions(event)) == {"publish", "cancel"}
        with page.expect_response(api_call("POST", rf"/api/v1/events/{event.pk}/publish/")) as ok:
            page.locator('[data-command="publish"]').click()
        assert ok.value.ok
        page.wait_for_url("**done=published")
        event.refresh_from_db()
        assert event.status == Event.Status.PUBLISHED
        assert offered(page) == set(allowed_actions(event)) == {"postpone", "cancel"}

        # The cancel confirmation appears next to the button, on screen.
        page.locator('[data-command="cancel"]').click()
        expect(page.locator("#cancel-confirm")).not_to_be_empty()
        expect(page.locator("#cancel-confirm")).to_be_in_viewport()
