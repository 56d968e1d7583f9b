"""POST /api/v1/events/{id}/publish/, /approve/, /postpone/ and /cancel/."""

import pytest

from tests.api.events_helpers import client_for, next_week, organiser_with_org
from tests.factories import EventFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_and_org():  # type: ignore[no-untyped-def]
    return organiser_with_org()


def _draft(organisation, **kwargs):  # type: ignore[no-untyped-def]
    return EventFactory(organisation=organisation, status="draft", published_at=None, **kwargs)


def test_publish_at_a_free_location_goes_live(organiser_and_org, api_client):
    organiser, organisation = organiser_and_org
    draft = _draft(organisation)
    response = client_for(organiser).post(f"/api/v1/events/{draft.pk}/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert api_client.get(f"/api/v1/events/{draft.pk}/").status_code == 200


def test_publish_at_a_venue_waits_for_an_admin_then_approve_publishes(
    organiser_and_org, api_client
):
    organiser, organisation = organiser_and_org
    draft = _draft(organisation, venue=VenueFactory(), location_zh="")
    response = client_for(organiser).post(f"/api/v1/events/{draft.pk}/publish/")
    assert response.json()["status"] == "pending_approval"
    assert api_client.get(f"/api/v1/events/{draft.pk}/").status_code == 404

    refused = client_for(organiser).post(f"/api/v1/events/{draft.pk}/approve/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_admin"

    admin = client_for(UserFactory(username="admin", is_staff=True))
    assert admin.get("/api/v1/events/?status=pending_approval").json()["count"] == 1
    response = admin.post(f"/api/v1/events/{draft.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert api_client.get(f"/api/v1/events/{draft.pk}/").status_code == 200


def test_approving_twice_is_409(organiser_and_org):
    _, organisation = organiser_and_org
    event = EventFactory(organisation=organisation)
    admin = client_for(UserFactory(username="admin", is_staff=True))
    response = admin.post(f"/api/v1/events/{event.pk}/approve/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_status_transition"


def test_postpone_with_new_dates_then_publish_again(organiser_and_org):
    organiser, organisation = organiser_and_org
    event = EventFactory(organisation=organisation)
    client = client_for(organiser)
    body = {
        "reason": "台风预警 Typhoon warning",
        "starts_at": next_week(24 * 7).isoformat(),
        "ends_at": next_week(24 * 7 + 3).isoformat(),
    }
    response = client.post(f"/api/v1/events/{event.pk}/postpone/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "postponed"
    assert response.json()["status_reason"] == "台风预警 Typhoon warning"
    assert response.json()["sequence"] == 1
    response = client.post(f"/api/v1/events/{event.pk}/publish/")
    assert response.json()["status"] == "published"
    assert response.json()["sequence"] == 2


def test_postpone_to_an_end_before_the_start_is_400(organiser_and_org):
    organiser, organisation = organiser_and_org
    event = EventFactory(organisation=organisation)
    body = {"starts_at": next_week(10).isoformat(), "ends_at": next_week(9).isoformat()}
    response = client_for(organiser).post(
        f"/api/v1/events/{event.pk}/postpone/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_time_range"


def test_cancel_keeps_the_event_visible_as_cancelled(organiser_and_org, api_client):
    organiser, organisation = organiser_and_org
    event = EventFactory(organisation=organisation)
    response = client_for(organiser).post(
        f"/api/v1/events/{event.pk}/cancel/", {"reason": "场地维修"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    body = api_client.get(f"/api/v1/events/{event.pk}/").json()
    assert body["status"] == "cancelled" and body["status_reason"] == "场地维修"
    again = client_for(organiser).post(f"/api/v1/events/{event.pk}/cancel/")
    assert again.status_code == 409
    assert again.json()["code"] == "event_cancelled"


@pytest.mark.parametrize("command", ["publish", "postpone", "cancel"])
def test_other_organisations_cannot_run_commands(organiser_and_org, command):
    _, organisation = organiser_and_org
    rival, _ = organiser_with_org("rival", "rival-club")
    published = EventFactory(organisation=organisation)
    draft = _draft(organisation)
    client = client_for(rival)
    assert client.post(f"/api/v1/events/{published.pk}/{command}/").status_code == 403
    assert client.post(f"/api/v1/events/{draft.pk}/{command}/").status_code == 404


@pytest.mark.parametrize("command", ["publish", "approve", "postpone", "cancel"])
def test_anonymous_callers_are_401(api_client, command):
    event = EventFactory()
    assert api_client.post(f"/api/v1/events/{event.pk}/{command}/").status_code == 401
