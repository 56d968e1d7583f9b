import datetime as dt

import pytest

from tests.api.events_helpers import client_for, next_week, organiser_with_org
from tests.factories import EventFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    organiser, organisation = organiser_with_org()
    return client_for(organiser), EventFactory(organisation=organisation)


def test_editing_a_published_event_bumps_sequence(setup):
    client, event = setup
    response = client.patch(
        f"/api/v1/events/{event.pk}/", {"title_en": "Wutong Race 2026"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title_en"] == "Wutong Race 2026"
    assert body["sequence"] == event.sequence + 1
    assert dt.datetime.fromisoformat(body["updated_at"]) > event.updated_at


def test_only_given_fields_change(setup):
    client, event = setup
    body = client.patch(f"/api/v1/events/{event.pk}/", {"capacity": 50}, format="json").json()
    assert body["capacity"] == 50
    assert body["title_zh"] == event.title_zh
    assert body["sequence"] == event.sequence  # registration settings are not in the feeds


def test_end_before_start_is_400(setup):
    client, event = setup
    response = client.patch(
        f"/api/v1/events/{event.pk}/", {"ends_at": next_week(-48).isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_time_range"


def test_status_cannot_be_patched(setup):
    client, event = setup
    response = client.patch(f"/api/v1/events/{event.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_other_organisation_gets_403_for_a_published_event_and_404_for_a_draft(setup):
    _, event = setup
    rival, _ = organiser_with_org("rival", "rival-club")
    draft = EventFactory(organisation=event.organisation, status="draft", published_at=None)
    client = client_for(rival)
    response = client.patch(f"/api/v1/events/{event.pk}/", {"title_en": "X"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_organiser"
    response = client.patch(f"/api/v1/events/{draft.pk}/", {"title_en": "X"}, format="json")
    assert response.status_code == 404


def test_resident_cannot_edit(resident_client, setup):
    _, event = setup
    response = resident_client.patch(
        f"/api/v1/events/{event.pk}/", {"title_en": "X"}, format="json"
    )
    assert response.status_code == 403


def test_moving_a_published_event_to_a_venue_is_422_approval_required(setup):
    client, event = setup
    venue = VenueFactory()
    response = client.patch(f"/api/v1/events/{event.pk}/", {"venue": venue.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "approval_required"
