"""GET /api/v1/events/{id}/registrations/ (organisers) and GET /api/v1/registrations/ (own)."""

import pytest

from events import registrations
from tests.api.events_helpers import client_for, organiser_with_org
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_event():  # type: ignore[no-untyped-def]
    organiser, organisation = organiser_with_org()
    event = EventFactory(organisation=organisation, capacity=1)
    for name in ("ann", "ben", "cat"):
        registrations.register(event_id=event.pk, resident=UserFactory(username=name))
    return organiser, event


def test_organisers_see_registrations_then_the_waiting_list_in_order(full_event):
    organiser, event = full_event
    response = client_for(organiser).get(f"/api/v1/events/{event.pk}/registrations/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["resident"]["username"], r["status"], r["position"]) for r in rows] == [
        ("ann", "confirmed", None),
        ("ben", "waitlisted", 1),
        ("cat", "waitlisted", 2),
    ]


def test_organisers_can_filter_by_status(full_event):
    organiser, event = full_event
    url = f"/api/v1/events/{event.pk}/registrations/"
    rows = client_for(organiser).get(url, {"status": "waitlisted"}).json()["results"]
    assert [r["position"] for r in rows] == [1, 2]
    response = client_for(organiser).get(url, {"status": "lost"})
    assert response.status_code == 400


def test_residents_and_other_organisers_get_403(full_event, resident):
    _, event = full_event
    rival, _ = organiser_with_org("rival", "rival-club")
    for user in (resident, rival):
        response = client_for(user).get(f"/api/v1/events/{event.pk}/registrations/")
        assert response.status_code == 403
        assert response.json()["code"] == "not_organiser"


def test_registrations_of_a_draft_are_404_to_outsiders(resident):
    _, organisation = organiser_with_org()
    draft = EventFactory(organisation=organisation, status="draft", published_at=None)
    response = client_for(resident).get(f"/api/v1/events/{draft.pk}/registrations/")
    assert response.status_code == 404


def test_residents_list_their_own_registrations_with_position(resident, resident_client):
    event = EventFactory(capacity=1)
    registrations.register(event_id=event.pk, resident=UserFactory(username="first"))
    registrations.register(event_id=event.pk, resident=resident)
    registrations.register(event_id=EventFactory().pk, resident=UserFactory(username="other"))

    response = resident_client.get("/api/v1/registrations/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1
    assert rows[0]["event"] == event.pk
    assert rows[0]["event_title"] == event.title_zh
    assert (rows[0]["status"], rows[0]["position"]) == ("waitlisted", 1)


def test_own_list_needs_a_signed_in_user(api_client):
    assert api_client.get("/api/v1/registrations/").status_code == 401
