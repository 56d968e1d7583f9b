"""The Content-Security-Policy: on every page type, exactly the policy of config/settings.py, and
pages that need nothing it forbids (no inline script, inline event handler or inline style)."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import (
    EventFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.frontend.conftest import held_booking

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
PAGES = [
    "/",
    "/venues/{venue}/",
    "/events/",
    "/events/?view=list",
    "/events/{event}/",
    "/bookings/{booking}/pay/",
    "/registrations/{registration}/pay/",
    "/me/bookings/",
    "/organiser/",
    "/organiser/events/new/",
    "/organiser/events/{event}/",
    "/staff/venues/{venue}/",
]
SIGNED_OUT_PAGES = ["/accounts/login/", "/accounts/register/", "/admin/login/"]


class InlineCode(HTMLParser):
    """Collects what the policy would block in a page: inline scripts, event handler and style
    attributes, <style> elements and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name: value or "" for name, value in attrs}
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append(f"inline <script> {attrs}")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in names.items():
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...>")
            if value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def everything(venue, court, free_slot):  # type: ignore[no-untyped-def]
    """A user who may open every page (district admin, organiser, venue staff, resident)."""
    user = UserFactory(username="everyone", is_staff=True, is_superuser=True)
    organisation = OrganisationFactory(members=[user])
    venue.staff.add(user)
    booking = held_booking(free_slot, user)
    event = EventFactory(organisation=organisation, venue=venue, price=Decimal("30.00"))
    registration = RegistrationFactory(
        event=event,
        resident=user,
        status="held",
        amount=Decimal("30.00"),
        hold_expires_at=timezone.now() + dt.timedelta(minutes=10),
    )
    ids = {"venue": venue.pk, "event": event.pk, "booking": booking.pk}
    return user, {**ids, "registration": registration.pk}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_policy_and_needs_nothing_it_forbids(client, everything, path):
    user, ids = everything
    client.force_login(user)

    response = client.get(path.format(**ids))

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("path", SIGNED_OUT_PAGES)
def test_sign_in_pages_send_the_policy_and_need_nothing_it_forbids(client, db, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert inline_code(response.content.decode()) == []


def test_the_admin_sends_the_same_policy_and_needs_nothing_it_forbids(client, everything):
    client.force_login(everything[0])
    for page in [
        "/admin/",
        "/admin/events/event/",
        f"/admin/venues/venue/{everything[1]['venue']}/change/",
    ]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response["Content-Security-Policy"] == POLICY, page
        assert inline_code(response.content.decode()) == [], page


def test_error_pages_send_the_policy_too(client, db):
    response = client.get("/venues/999999/")
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == POLICY


def test_templates_hold_no_inline_script_handler_or_style():
    """The policy blocks these, so a template must not need them: scripts are static files with
    their data in data-* attributes or json_script, styles are classes of site.css."""
    templates = [
        path
        for path in ROOT.glob("*/templates/**/*.html")
        if not path.is_relative_to(ROOT / ".venv")
    ]
    assert len(templates) > 10
    forbidden = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:",
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in templates
        for match in forbidden.finditer(path.read_text())
    ]
    assert found == []
