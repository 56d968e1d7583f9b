"""Small builders and checks shared by the API tests (fixtures are in conftest.py)."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import SlotFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2030, 1, 7)  # a Monday, the day the slot and availability tests look at

# The public site the calendar feeds are built for (the `feed_site` fixture).
FEED_HOST = "sports.luohu.example"
FEED_SITE = f"https://{FEED_HOST}"

# The keys every slot of the API has (design.md, "API contract").
CONTRACT_SLOT_KEYS = frozenset(
    [
        "id",
        "starts_at",
        "ends_at",
        "capacity",
        "remaining",
        "price",
        "public_benefit",
        "bookable",
        "reason",
    ]
)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """`hour`:`minute` of `day`, Shanghai time."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def client_for(user: Any | None) -> APIClient:
    """An API client signed in as `user` (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def slot_starting_in(resource: Any, starts_in: dt.timedelta) -> Any:
    """A one-hour slot of `resource` that starts `starts_in` from now (to the second)."""
    start = timezone.now().replace(microsecond=0) + starts_in
    return SlotFactory(resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def bad_values(by_field: dict[str, list[str]]) -> list[tuple[str, str]]:
    """`{field: [bad values]}` as (field, value) cases for pytest.mark.parametrize."""
    return [(field, value) for field, values in by_field.items() for value in values]


def assert_error(response: Any, status: int, code: str, *, fields: list[str] | None = None) -> None:
    """The answer is an error of `status` with `code` (and exactly the invalid `fields`)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    if fields is not None:
        assert list(body["fields"]) == fields
