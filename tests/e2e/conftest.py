"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make for
setup and assertions are ordinary blocking calls, so Django's async-safety guard is relaxed here
(the usual setting for pytest-playwright with Django).
"""

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking import rules

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# CI machines are shared and noisy: a step waits for the state it needs (the page's API call
# answered, then the text that answer produces), never for a fixed time, and each wait has room.
# Playwright's own default is 5 s, which a loaded machine has exceeded.
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)

CHROMIUM = "/usr/lib/chromium/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "pass-12345"  # tests.factories.UserFactory's password


@pytest.fixture(scope="session")
def base_url() -> None:
    """Tests build URLs from `live_server.url`; this also replaces pytest-base-url's fixture,
    which pytest deprecates (instance-method session fixture)."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A phone-sized window: the pages are mobile-first. Chinese is the default language.
    return {
        **browser_context_args,
        "viewport": {"width": 414, "height": 860},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def shot(page: Any, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """`shot("name")` saves a full-page PNG under test-artifacts/<test name>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(name: str, target: Any = None) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def page(page: Any) -> Any:
    """pytest-playwright's page, with the same generous limit for clicks and navigations."""
    page.set_default_timeout(WAIT_MS)
    page.set_default_navigation_timeout(WAIT_MS)
    return page


def api_call(method: str, path: str) -> Callable[[Any], bool]:
    """A predicate for `page.expect_response`: the answer to `method` on a path matching the
    regular expression `path` (matched in full), e.g. api_call("POST", "/api/v1/bookings/")."""
    pattern = re.compile(path)

    def matches(response: Any) -> bool:
        return response.request.method == method and bool(
            pattern.fullmatch(urlsplit(response.url).path)
        )

    return matches


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base_url}/")


_today: list[dt.date] = []


@pytest.fixture(autouse=True)
def _one_day_per_test() -> Iterator[None]:
    """`today()` and `tomorrow()` are those of the test's start: a test that runs across
    midnight keeps building and finding the same day's slots."""
    _today.append(rules.local_date(timezone.now()))
    yield
    _today.clear()


def today() -> dt.date:
    return _today[0] if _today else rules.local_date(timezone.now())


def tomorrow() -> dt.date:
    return today() + dt.timedelta(days=1)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=rules.local_tz())
