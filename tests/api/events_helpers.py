"""Small builders shared by tests/api/test_events_*.py and test_registrations_*.py."""

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.api.helpers import client_for as client_for  # re-exported: the tests import it here
from tests.factories import OrganisationFactory, UserFactory


def organiser_with_org(username: str = "organiser", slug: str = "luohu-sports") -> tuple[Any, Any]:
    user = UserFactory(username=username)
    return user, OrganisationFactory(slug=slug, members=[user])


def next_week(hours: int = 0) -> dt.datetime:
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    return now + dt.timedelta(days=7, hours=hours)


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/v1/events/ body (free location, 10 places)."""
    body: dict[str, Any] = {
        "title_zh": "梧桐山登高赛",
        "title_en": "Wutong Mountain Climbing Race",
        "category": "race",
        "location_zh": "梧桐山风景区",
        "latitude": 22.58,
        "longitude": 114.2,
        "starts_at": next_week().isoformat(),
        "ends_at": next_week(4).isoformat(),
        "capacity": 10,
    }
    body.update(overrides)
    return body
