"""Fixtures shared by the API tests (helpers.py holds the plain functions)."""

from collections.abc import Iterator

import pytest

from common.feeds import clear_caches
from tests.api.helpers import FEED_SITE


@pytest.fixture
def fresh_feed_caches() -> Iterator[None]:
    """The calendar feeds' caches are empty when the test starts and after it ends."""
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def feed_site(settings, fresh_feed_caches) -> None:  # type: ignore[no-untyped-def]
    """Feeds are built for the public site (FEED_SITE), from empty caches."""
    settings.SITE_URL = FEED_SITE
