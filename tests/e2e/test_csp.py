"""The Content-Security-Policy in a real browser: a hostile event title stays text on the pay
page, and the main pages (and the API docs) run under the policy without a single violation."""

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from events import registrations
from tests.e2e.conftest import PASSWORD, at, sign_in, tomorrow
from tests.e2e.pages import court_slot, venue_with_policy
from tests.factories import EventFactory, OrganisationFactory, SlotFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOSTILE_TITLE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

# Runs before any script of the page (Playwright injects it outside the page's CSP): every
# violation the browser reports is kept where the test can read it.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class Watcher:
    """Console errors and CSP violations of one page, over every navigation."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        # The site has no favicon: the browser's own request for one is not the page's error.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            self.console_errors.append(f"{message.text} ({message.location['url']})")

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("window.__violations")
        assert violations == [], f"{where}: CSP violations {violations}"
        assert self.console_errors == [], f"{where}: console errors {self.console_errors}"
        assert self.page_errors == [], f"{where}: script errors {self.page_errors}"
        assert self.page.evaluate("window.__xss") is None, f"{where}: the hostile title ran"

    def visit(self, url: str, ready: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        assert "content-security-policy" in response.all_headers(), url
        expect(self.page.locator(ready).first).to_be_visible()
        self.assert_clean(url)


def test_a_hostile_event_title_stays_text_on_the_pay_page_under_the_policy(
    page, live_server, stripe_settings
):
    base = live_server.url
    watcher = Watcher(page)
    resident = UserFactory(username="alice")
    event = EventFactory(title_zh=HOSTILE_TITLE, title_en=HOSTILE_TITLE, price=Decimal("30.00"))
    registration = registrations.register(
        event_id=event.pk, resident=resident, party_size=1
    ).registration

    sign_in(page, base, "alice")
    watcher.visit(f"{base}/registrations/{registration.pk}/pay/", "#pay-form")
    expect(page.locator("main strong").first).to_have_text(HOSTILE_TITLE)
    with page.expect_response(lambda r: r.url.endswith("/pay/") and r.request.method == "POST"):
        page.get_by_role("button", name="支付").click()
    # The confirmation links back to the event, labelled with its title: as text, not markup.
    link = page.locator("#pay-message a")
    expect(link).to_have_text(HOSTILE_TITLE)
    expect(link).to_have_attribute("href", f"/events/{event.pk}/")
    assert page.locator("#pay-message img, #pay-message script").count() == 0
    watcher.assert_clean("after paying")

    watcher.visit(f"{base}/events/{event.pk}/", "h1")
    expect(page.locator("h1")).to_have_text(HOSTILE_TITLE)
    watcher.visit(f"{base}/events/?month={event.starts_at:%Y-%m}", "table.month")
    watcher.visit(f"{base}/events/?view=list", "#event-list")
    watcher.visit(f"{base}/me/bookings/", "#feed-box")


def test_the_main_pages_run_under_the_policy_without_a_violation(page, live_server):
    base = live_server.url
    watcher = Watcher(page)
    staff = UserFactory(username="staff")
    venue = venue_with_policy(name_zh=HOSTILE_TITLE, staff=staff)
    nine = court_slot(venue, at(tomorrow(), 9), name_zh=HOSTILE_TITLE)
    SlotFactory(resource=nine.resource, starts_at=at(tomorrow(), 10))
    organiser = UserFactory(username="organiser")
    OrganisationFactory(members=[organiser])
    event = EventFactory(title_zh=HOSTILE_TITLE, organisation=organiser.organisations.get())
    UserFactory(username="admin", is_staff=True, is_superuser=True)

    watcher.visit(f"{base}/", "h1")
    watcher.visit(f"{base}/accounts/login/", "#id_username")
    watcher.visit(f"{base}/accounts/register/", "#id_username")
    watcher.visit(f"{base}/api/docs/", "#redoc-container .api-content")
    watcher.visit(f"{base}/admin/login/", "#id_username")

    sign_in(page, base, "organiser")
    watcher.visit(f"{base}/organiser/", "h1")
    watcher.visit(f"{base}/organiser/events/new/", "#event-form")
    page.context.clear_cookies()

    sign_in(page, base, "staff")
    watcher.visit(f"{base}/staff/", "h1")
    watcher.visit(f"{base}/staff/venues/{venue.pk}/", "#checkin-form")
    # The grid: one click books a slot and the grid refreshes itself from the API.
    watcher.visit(f"{base}/venues/{venue.pk}/?day={tomorrow():%Y-%m-%d}", "#grid")
    # By keyboard: on a phone-sized window the long hostile court name covers the first column.
    page.locator("button.slot").first.focus()
    with page.expect_response(lambda r: "/availability/" in r.url):
        page.keyboard.press("Enter")
    expect(page.locator("#booking-message a")).to_be_visible()
    expect(page.locator("#booking-message")).to_contain_text(HOSTILE_TITLE)
    watcher.assert_clean("after booking")
    # The booking's check-in QR code (an image of this site) shows under the policy.
    watcher.visit(f"{base}/me/bookings/", "[data-role=qr] summary")
    page.locator("[data-role=qr] summary").first.click()
    qr = page.locator("[data-role=qr] img").first
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    watcher.assert_clean("QR code")
    page.context.clear_cookies()

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    watcher.visit(f"{base}/admin/events/event/", "#result_list")
    watcher.visit(f"{base}/admin/events/event/{event.pk}/change/", "#event_form")
    watcher.visit(f"{base}/admin/venues/venue/{venue.pk}/change/", "#venue_form")
