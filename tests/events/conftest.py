import datetime as dt

import pytest
from django.utils import timezone

from events import lifecycle
from events.exceptions import InvalidRRuleError
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def organiser(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="organiser")


@pytest.fixture
def organisation(organiser):  # type: ignore[no-untyped-def]
    return OrganisationFactory(slug="luohu-sports", members=[organiser])


@pytest.fixture
def other_organiser(db):  # type: ignore[no-untyped-def]
    user = UserFactory(username="rival")
    OrganisationFactory(slug="rival-club", members=[user])
    return user


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    return UserFactory(username="district-admin", is_staff=True)


@pytest.fixture
def next_week() -> dt.datetime:
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    return now + dt.timedelta(days=7)


@pytest.fixture
def event_fields(organisation, next_week):  # type: ignore[no-untyped-def]
    """Keyword arguments of a valid create_event call (free location, 10 places)."""
    return {
        "organisation_id": organisation.pk,
        "title_zh": "梧桐山登高赛",
        "title_en": "Wutong Mountain Climbing Race",
        "category": "race",
        "location_zh": "梧桐山风景区",
        "latitude": 22.58,
        "longitude": 114.2,
        "starts_at": next_week,
        "ends_at": next_week + dt.timedelta(hours=4),
        "capacity": 10,
    }


@pytest.fixture
def refused_rrule(organiser, event_fields):  # type: ignore[no-untyped-def]
    """Creates the event of `event_fields` with a recurrence rule that must be refused as
    invalid_rrule; returns the error."""

    def refuse(rrule: str) -> InvalidRRuleError:
        with pytest.raises(InvalidRRuleError) as excinfo:
            lifecycle.create_event(by_user=organiser, **{**event_fields, "rrule": rrule})
        assert excinfo.value.code == "invalid_rrule"
        return excinfo.value

    return refuse
