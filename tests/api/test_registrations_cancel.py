"""POST /api/v1/registrations/{id}/cancel/"""

import pytest

from events import registrations
from events.models import Registration
from tests.api.events_helpers import client_for
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_cancelling_frees_the_place_for_the_head_of_the_waiting_list(resident, resident_client):
    event = EventFactory(capacity=1)
    mine = registrations.register(event_id=event.pk, resident=resident).registration
    waiting = registrations.register(event_id=event.pk, resident=UserFactory(username="next"))

    response = resident_client.post(f"/api/v1/registrations/{mine.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_at"]
    promoted = Registration.objects.get(pk=waiting.registration.pk)
    assert promoted.status == "confirmed"
    body = client_for(promoted.resident).get("/api/v1/registrations/").json()["results"][0]
    assert body["status"] == "confirmed" and body["promoted_at"]


def test_cancelling_someone_elses_registration_is_404(resident, other_resident):
    event = EventFactory()
    theirs = registrations.register(event_id=event.pk, resident=other_resident).registration
    response = client_for(resident).post(f"/api/v1/registrations/{theirs.pk}/cancel/")
    assert response.status_code == 404
    assert response.json()["code"] == "registration_not_found"


def test_cancelling_twice_is_409(resident, resident_client):
    registration = registrations.register(
        event_id=EventFactory().pk, resident=resident
    ).registration
    resident_client.post(f"/api/v1/registrations/{registration.pk}/cancel/")
    response = resident_client.post(f"/api/v1/registrations/{registration.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_cancellable"


@pytest.mark.parametrize("bad_id", ["abc", "99999999999999999999999"])
def test_malformed_ids_are_404(resident_client, bad_id):
    assert resident_client.post(f"/api/v1/registrations/{bad_id}/cancel/").status_code == 404
