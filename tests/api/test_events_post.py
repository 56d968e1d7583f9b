import pytest

from events.models import Event
from tests.api.events_helpers import client_for, event_body, next_week, organiser_with_org
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_client():  # type: ignore[no-untyped-def]
    organiser, _ = organiser_with_org()
    return client_for(organiser)


def test_organiser_creates_a_draft(organiser_client):
    response = organiser_client.post("/api/v1/events/", event_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["can_manage"] is True
    assert body["latitude"] == 22.58
    assert response["Location"].endswith(f"/api/v1/events/{body['id']}/")
    assert Event.objects.get(pk=body["id"]).created_by.username == "organiser"


def test_recurring_event_with_exdates_is_created(organiser_client):
    skipped = next_week(24 * 7).isoformat()
    body = event_body(rrule="FREQ=WEEKLY;COUNT=8", exdates=[skipped])
    response = organiser_client.post("/api/v1/events/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["rrule"] == "FREQ=WEEKLY;COUNT=8"
    assert len(response.json()["exdates"]) == 1


def test_end_before_start_is_400_invalid_time_range(organiser_client):
    body = event_body(ends_at=next_week(-1).isoformat())
    response = organiser_client.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_time_range"
    assert "ends_at" in response.json()["fields"]


@pytest.mark.parametrize("rrule", ["FREQ=SOMETIMES", "FREQ=WEEKLY;BYDAY=XX", "FREQ=HOURLY"])
def test_bad_rrule_is_400_invalid_rrule(organiser_client, rrule):
    response = organiser_client.post("/api/v1/events/", event_body(rrule=rrule), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_rrule"


def test_naive_exdate_is_400_invalid_exdates(organiser_client):
    body = event_body(rrule="FREQ=WEEKLY;COUNT=3", exdates=["2030-01-01T10:00:00"])
    response = organiser_client.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_exdates"


def test_unknown_category_is_400_unknown_category(organiser_client):
    response = organiser_client.post("/api/v1/events/", event_body(category="golf"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_category"


def test_naive_start_is_refused_not_guessed(organiser_client):
    body = event_body(starts_at="2030-05-01T09:00:00", ends_at="2030-05-01T12:00:00")
    response = organiser_client.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()["fields"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "published"},
        {"registered_count": 0},
        {"capacity": "many"},
        {"venue": "abc"},
        {"starts_at": "next tuesday"},
        {"links": "https://example.com"},
    ],
)
def test_malformed_or_read_only_fields_are_400(organiser_client, overrides):
    response = organiser_client.post("/api/v1/events/", event_body(**overrides), format="json")
    assert response.status_code == 400
    assert set(overrides) <= set(response.json()["fields"])


def test_unknown_venue_is_400(organiser_client):
    response = organiser_client.post("/api/v1/events/", event_body(venue=987654), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_venue"


def test_event_at_a_venue_needs_no_location(organiser_client):
    venue = VenueFactory()
    body = event_body(venue=venue.pk, location_zh="", latitude=None, longitude=None)
    response = organiser_client.post("/api/v1/events/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["location"] == venue.name_zh


def test_anonymous_cannot_create(api_client):
    response = api_client.post("/api/v1/events/", event_body(), format="json")
    assert response.status_code == 401


def test_resident_without_organisation_cannot_create(resident_client):
    response = resident_client.post("/api/v1/events/", event_body(), format="json")
    assert response.status_code == 400
    assert "organisation" in response.json()["fields"]


def test_creating_for_another_organisation_is_403():
    _, other_org = organiser_with_org("rival", "rival-club")
    organiser, _ = organiser_with_org()
    response = client_for(organiser).post(
        "/api/v1/events/", event_body(organisation=other_org.pk), format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_organiser"


def test_member_of_two_organisations_must_say_which():
    organiser, _ = organiser_with_org()
    _, second = organiser_with_org("co", "second-org")
    second.members.add(organiser)
    client = client_for(organiser)
    assert client.post("/api/v1/events/", event_body(), format="json").status_code == 400
    response = client.post("/api/v1/events/", event_body(organisation=second.pk), format="json")
    assert response.status_code == 201
    assert response.json()["organisation"]["id"] == second.pk


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rrule", "FREQ=DAILY;COUNT=4294967297"),  # accepted, then gone from every feed
        ("rrule", "FREQ=DAILY;UNTIL=99991231T235959Z"),
        ("rrule", "FREQ=DAILY;INTERVAL=1000000000"),
        ("rrule", "FREQ=MONTHLY;BYDAY=99MO"),  # an HTML 500
        ("rrule", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
        ("exdates", ["0001-01-01T00:00:00+14:00"]),  # an HTML 500
        ("exdates", ["9999-12-31T23:59:59-12:00"]),  # an HTML 500
        ("starts_at", "0001-01-01T00:00:00+00:00"),
        ("ends_at", "9999-12-31T23:59:59+14:00"),
        ("registration_closes_at", "9999-12-31T00:00:00+08:00"),
    ],
)
def test_recurrence_and_times_past_the_bounds_are_400_with_field_errors(
    organiser_client, field, value
):
    body = event_body(**{"rrule": "FREQ=WEEKLY;COUNT=3", field: value})
    response = organiser_client.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] in ("invalid_rrule", "invalid_exdates", "invalid_event")
    assert list(response.json()["fields"]) == [field]
