"""Stored XSS: data that organisers, staff or residents type (an event's title, a court's name)
reaches the pages as text, never as markup, and no script of the pages builds HTML from strings.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from events import registrations
from tests.api.events_helpers import client_for
from tests.factories import EventFactory, OrganisationFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "frontend" / "static"
HOSTILE = '<img src=x onerror="alert(document.cookie)"><script>alert(1)</script>'
# What a page may show of HOSTILE: its escaped text (in JSON script data, \u003C for "<").
RAW_MARKUP = re.compile(r"<img src=x|<script>alert", re.IGNORECASE)


def assert_shown_as_text(html: str) -> None:
    assert not RAW_MARKUP.search(html), RAW_MARKUP.search(html)
    assert "&lt;img src=x onerror=&quot;alert(document.cookie)&quot;&gt;" in html


@pytest.fixture
def hostile_event(db):  # type: ignore[no-untyped-def]
    """A published paid event whose organiser then changed the title through the API."""
    organiser = UserFactory(username="organiser")
    event = EventFactory(
        organisation=OrganisationFactory(members=[organiser]), price=Decimal("30.00")
    )
    response = client_for(organiser).patch(
        f"/api/v1/events/{event.pk}/", {"title_zh": HOSTILE, "title_en": HOSTILE}, format="json"
    )
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert event.title_zh == HOSTILE
    return event


def test_a_hostile_event_title_is_text_on_the_registration_pay_page(
    client, resident, hostile_event, stripe_settings
):
    registration = registrations.register(
        event_id=hostile_event.pk, resident=resident, party_size=1
    ).registration
    client.force_login(resident)

    response = client.get(f"/registrations/{registration.pk}/pay/")

    assert response.status_code == 200
    html = response.content.decode()
    assert_shown_as_text(html)
    # The title also reaches pay.js, as JSON data that the script sets as a link's text.
    assert "\\u003Cimg src=x onerror" in html


@pytest.mark.parametrize(
    "path",
    ["/events/{pk}/", "/events/?month={month}", "/events/?view=list", "/organiser/"],
)
def test_a_hostile_event_title_is_text_on_every_page_that_shows_titles(client, hostile_event, path):
    client.force_login(hostile_event.organisation.members.get())
    month = f"{timezone.localtime(hostile_event.starts_at):%Y-%m}"
    url = path.format(pk=hostile_event.pk, month=month)

    response = client.get(url)

    assert response.status_code == 200
    assert_shown_as_text(response.content.decode())


def test_a_hostile_event_title_is_text_in_the_organisers_form(client, hostile_event):
    client.force_login(hostile_event.organisation.members.get())
    html = client.get(f"/organiser/events/{hostile_event.pk}/").content.decode()
    assert not RAW_MARKUP.search(html)
    assert 'value="&lt;img src=x onerror=&quot;alert(document.cookie)&quot;&gt;' in html


def test_page_scripts_never_parse_strings_as_html():
    """Pages build DOM nodes and set textContent: an HTML sink with data in it is stored XSS."""
    sink = re.compile(
        r"\.(innerHTML|outerHTML)\b|\binsertAdjacentHTML\b|\bdocument\.write|"
        r"\bcreateContextualFragment\b|\bparseFromString\b|\beval\s*\(|\bnew Function\b"
    )
    scripts = sorted(STATIC.rglob("*.js"))
    assert scripts
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if sink.search(line)
    ]
    assert found == []


def test_nothing_marks_data_safe_for_html():
    """Autoescaping stays on everywhere: no `|safe`, `mark_safe`, `autoescape off` or hand-made
    HTML in the project's templates and Python, except the reviewed uses below."""
    reviewed = {
        # Form help texts are written in code (Django's password rules are an HTML list).
        ("frontend/templates/frontend/accounts/_field.html", "{{ field.help_text|safe }}"),
    }
    unsafe = re.compile(
        r"\{\{[^}]*\|\s*safe(seq)?\b[^}]*\}\}|\{%\s*autoescape\s+off|\bmark_safe\b|\bSafeString\b"
        r"|\bformat_html(_join)?\b|\|\s*safe\b"
    )
    packages = ["frontend", "api", "events", "venues", "booking", "common", "config"]
    files = [
        path
        for package in packages
        for path in sorted((ROOT / package).rglob("*"))
        if path.suffix in {".py", ".html", ".txt", ".js"} and "__pycache__" not in path.parts
    ]
    found = {
        (str(path.relative_to(ROOT)), match.group(0))
        for path in files
        for match in unsafe.finditer(path.read_text())
    }
    assert found - reviewed == set()
