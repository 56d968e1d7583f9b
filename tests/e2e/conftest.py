"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make for
setup and assertions are ordinary blocking calls, so Django's async-safety guard is relaxed here
(the usual setting for pytest-playwright with Django).
"""

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from booking import rules

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

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


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def tomorrow() -> dt.date:
    return rules.local_date(timezone.now()) + dt.timedelta(days=1)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=rules.local_tz())
