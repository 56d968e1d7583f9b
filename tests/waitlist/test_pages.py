"""The waiting list on the pages: the grid's queue button script and the section of 我的预约.
Both are API clients (waitlist.js); no inline script (CSP)."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db
JS = Path(__file__).resolve().parents[2] / "waitlist" / "static" / "waitlist" / "js" / "waitlist.js"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_venue_grid_loads_the_queue_script_with_its_strings(resident, court):
    slot = SlotFactory(resource=court)
    day = slot.starts_at.date().isoformat()
    html = signed_in(resident).get(f"/venues/{court.venue_id}/", {"day": day}).content.decode()
    assert '<script src="/static/waitlist/js/waitlist.js" defer></script>' in html
    assert 'id="waitlist-grid-strings"' in html
    assert 'data-queue="加入候补名单"' in html  # Chinese first, as every page


def test_my_bookings_has_the_waiting_list_section(resident):
    html = signed_in(resident).get("/me/bookings/").content.decode()
    assert 'id="waitlist-section"' in html
    assert 'id="waitlist-entries"' in html
    assert "waitlist/js/waitlist.js" in html


def test_the_pages_script_uses_the_api_and_no_inline_handlers():
    source = JS.read_text(encoding="utf-8")
    assert "/api/v1/slots/" in source and "/waitlist/" in source
    for action in ("accept", "decline", "withdraw"):
        assert f'"{action}"' in source
    assert "innerHTML" not in source  # data (names) is set as text only
    templates = Path(__file__).resolve().parents[2] / "waitlist" / "templates" / "waitlist"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\son[a-z]+=", text), template
