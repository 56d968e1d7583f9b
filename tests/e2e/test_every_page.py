"""Every page, for every role, on a phone in Chinese and a desktop in English (issue 15):

- axe-core (tests/js/node_modules, injected by Playwright) finds no critical or serious
  violation, with the experimental "label-content-name-mismatch" rule on as well;
- at 390 px no page is wider than the screen (`scrollWidth <= 390`).

The site is the quick start's: `load_demo` data, plus a held paid booking and event
registrations, so that every page has something to show. One test per role walks its pages on
both devices in one browser context each; the violations of all pages are reported together.
"""

import datetime as dt
import io
import json
import os
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from allocation.models import BallotRound
from booking import rules
from booking.models import Booking, Slot
from events.models import Event, Registration
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.devices import DESKTOP_EN, PHONE_ZH
from tests.e2e.pages import device_page
from tests.factories import BookingFactory, RegistrationFactory, UserFactory
from venues.models import Venue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("critical", "serious")
PASSWORDS = {
    "resident": ("demo", "demo12345"),
    "organiser": ("organiser", "organiser12345"),
    "staff": ("staff", "staff12345"),
    "admin": ("admin", "admin12345"),
}
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    rules: { "label-content-name-mismatch": { enabled: true } },
  });
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                   targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")), count: v.nodes.length }));
}"""
OVERFLOW = "() => document.documentElement.scrollWidth"


@pytest.fixture
def site(db: Any) -> dict[str, Any]:  # type: ignore[misc]
    """The quick start's demo site, and the ids of pages that need a row to show."""
    call_command("load_demo", days=2, stdout=io.StringIO())
    call_command("load_ballot_demo", stdout=io.StringIO())  # a round open now, one drawn
    resident = UserFactory._meta.model.objects.get(username="demo")
    now = timezone.now()
    venue = Venue.objects.filter(staff__username="staff").order_by("pk").first()
    assert venue is not None
    gym = Venue.objects.filter(kind=Venue.Kind.SMART_GYM).order_by("pk").first()
    free = Slot.objects.filter(
        venue=venue, starts_at__gt=now, price=0, remaining__gt=0, resource__exclusive=True
    ).order_by("starts_at")
    BookingFactory(slot=free[0], resident=resident)
    held = BookingFactory(
        slot=free[3],
        resident=resident,
        status=Booking.Status.HELD,
        price=Decimal("40.00"),
        hold_expires_at=now + dt.timedelta(minutes=15),
    )
    events = Event.objects.filter(status=Event.Status.PUBLISHED).order_by("pk")
    event = events[0]
    RegistrationFactory(event=event, resident=resident)
    other = events[1]
    RegistrationFactory(event=other, resident=resident, status=Registration.Status.WAITLISTED)
    day = rules.local_date(now)
    tomorrow = day + dt.timedelta(days=1)
    # The public pages, walked in full by the anonymous visitor and the resident; the other
    # roles see them with the same content and another nav bar: they walk the home page only.
    public = [
        "/",
        f"/?day={tomorrow}",
        f"/venues/{venue.pk}/",
        f"/venues/{venue.pk}/?day={tomorrow}",
        *([f"/venues/{gym.pk}/", f"/venues/{gym.pk}/?day={tomorrow}"] if gym else []),
        "/events/",
        "/events/?view=list",
        f"/events/{event.pk}/",
        *(
            f"/ballots/{pk}/"
            for pk in BallotRound.objects.order_by("pk").values_list("pk", flat=True)
        ),
        "/no-such-page/",
    ]
    return {
        "anonymous": [*public, "/accounts/login/", "/accounts/register/"],
        "resident": [*public, "/me/bookings/", f"/bookings/{held.pk}/pay/"],
        "organiser": [
            "/",
            "/organiser/",
            "/organiser/events/new/",
            f"/organiser/events/{event.pk}/",
            "/me/bookings/",
        ],
        "staff": ["/", "/staff/", f"/staff/venues/{venue.pk}/", "/me/bookings/"],
        # The console is for organisers: an admin gets the styled 403 page there.
        "admin": ["/", "/admin/", "/organiser/", "/staff/", f"/staff/venues/{venue.pk}/"],
        "api-docs": ["/api/docs/"],
    }


@pytest.mark.parametrize(
    "role",
    [
        "anonymous",
        "resident",
        "organiser",
        "staff",
        "admin",
        "api-docs",  # Redoc (Swagger UI failed: contrast, nested controls, no lang)
    ],
)
def test_every_page_passes_axe_and_fits_a_phone(browser, live_server, site, role):
    problems: list[str] = []
    timings: list[str] = []
    for device, name in ((PHONE_ZH, "phone-zh"), (DESKTOP_EN, "desktop-en")):
        # Playwright injects axe as a script element: the site's CSP would refuse it.
        with device_page(browser, {**device, "bypass_csp": True}) as page:
            if role in PASSWORDS:
                sign_in(page, live_server.url, *PASSWORDS[role])
            for path in site[role]:
                started = time.monotonic()
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None
                if response.status >= 500:
                    problems.append(f"{name} {path}: HTTP {response.status}")
                    continue
                page.wait_for_load_state("networkidle")
                page.add_script_tag(path=str(AXE))
                for v in page.evaluate(RUN_AXE):
                    problems.append(
                        f"{name} {path}: {v['impact']} {v['id']} x{v['count']} "
                        f"({v['help']}) {json.dumps(v['targets'], ensure_ascii=False)}"
                    )
                if device is PHONE_ZH:
                    # Against the device's width, not innerWidth: a phone's browser widens its
                    # layout viewport to fit a page that is too wide (innerWidth followed the
                    # page to 1,316 px while the gym grid's hidden labels escaped its scroller).
                    width = page.evaluate(OVERFLOW)
                    screen = device["viewport"]["width"]
                    if width > screen:
                        problems.append(f"{name} {path}: {width}px wide on a {screen}px screen")
                if os.environ.get("PAGE_SHOTS") == "1":  # a picture of every page, to look at
                    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                    (ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / "pages" / f"{role}-{name}-{slug}.png"))
                timings.append(f"{time.monotonic() - started:5.2f}s {name} {path}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{role}.txt").write_text("\n".join(problems + timings) + "\n")
    assert not problems, "\n".join(problems)
