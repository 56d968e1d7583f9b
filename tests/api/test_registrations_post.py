"""POST /api/v1/events/{id}/registrations/"""

import datetime as dt

import pytest
from django.utils import timezone

from events.models import Event
from tests.api.events_helpers import client_for
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def _register(user, event, body=None):  # type: ignore[no-untyped-def]
    return client_for(user).post(
        f"/api/v1/events/{event.pk}/registrations/", body or {}, format="json"
    )


def test_registration_is_confirmed_with_201(resident):
    event = EventFactory(capacity=2)
    response = _register(resident, event)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["position"] is None
    assert body["event"] == event.pk
    assert body["party_size"] == 1
    assert Event.objects.get(pk=event.pk).registered_count == 1


def test_full_event_puts_people_on_the_waiting_list_with_their_position():
    event = EventFactory(capacity=1)
    users = [UserFactory(username=f"u{i}") for i in range(3)]
    bodies = [_register(user, event).json() for user in users]
    assert [(b["status"], b["position"]) for b in bodies] == [
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]


def test_full_event_without_waiting_list_is_409_event_full(resident, other_resident):
    event = EventFactory(capacity=1, waitlist_enabled=False)
    _register(other_resident, event)
    response = _register(resident, event)
    assert response.status_code == 409
    assert response.json()["code"] == "event_full"


def test_cancelled_event_is_409_event_cancelled(resident):
    event = EventFactory(status="cancelled")
    response = _register(resident, event)
    assert response.status_code == 409
    assert response.json()["code"] == "event_cancelled"


def test_postponed_event_is_409_event_postponed(resident):
    response = _register(resident, EventFactory(status="postponed"))
    assert response.status_code == 409
    assert response.json()["code"] == "event_postponed"


def test_registering_twice_is_409_already_registered(resident):
    event = EventFactory()
    first = _register(resident, event).json()
    response = _register(resident, event)
    assert response.status_code == 409
    assert response.json()["code"] == "already_registered"
    assert response.json()["registration_id"] == first["id"]


def test_draft_is_404_to_residents(resident):
    event = EventFactory(status="draft", published_at=None)
    response = _register(resident, event)
    assert response.status_code == 404
    assert response.json()["code"] == "event_not_found"


def test_registration_not_open_yet_is_422_with_opening_time(resident):
    event = EventFactory(registration_opens_at=timezone.now() + dt.timedelta(days=2))
    response = _register(resident, event)
    assert response.status_code == 422
    assert response.json()["code"] == "registration_not_open"
    assert "opens_at" in response.json()


@pytest.mark.parametrize("party_size", [0, 11, "2", 1.5, True])
def test_bad_party_size_is_400(resident, party_size):
    response = _register(resident, EventFactory(), {"party_size": party_size})
    assert response.status_code == 400
    assert "party_size" in response.json()["fields"]


def test_party_larger_than_capacity_is_422(resident):
    response = _register(resident, EventFactory(capacity=2), {"party_size": 3})
    assert response.status_code == 422
    assert response.json()["code"] == "party_too_large"


def test_anonymous_cannot_register(api_client):
    event = EventFactory()
    response = api_client.post(f"/api/v1/events/{event.pk}/registrations/", {}, format="json")
    assert response.status_code == 401
