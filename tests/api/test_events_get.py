import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.api.events_helpers import client_for, organiser_with_org
from tests.factories import EventFactory, RegistrationFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

EVENTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def documented_event_fields() -> list[str]:
    """The fields of docs/events.md's "Event JSON" line: `description(_zh/_en)` is three fields,
    `organisation {id,name}` is `organisation`."""
    found = re.search(r"Event JSON: `(.*?)`\.", EVENTS_DOC.read_text(encoding="utf-8"), re.S)
    assert found, "docs/events.md lost its Event JSON line"
    names: list[str] = []
    for part in re.sub(r"\s*\{[^}]*\}(\|null)?", "", " ".join(found[1].split())).split(", "):
        base, _, suffixes = part.partition("(")
        names += [base, *(base + suffix for suffix in suffixes.rstrip(")").split("/") if suffix)]
    assert {"id", "title_en", "location_zh", "calendar", "sequence"} <= set(names), names
    return names


def test_list_is_paginated_and_has_the_documented_fields(api_client):
    EventFactory.create_batch(3)
    response = api_client.get("/api/v1/events/?page_size=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    event = body["results"][0]
    for name in documented_event_fields():
        assert name in event, name
    assert set(event["organisation"]) == {"id", "name"}
    assert event["starts_at"].endswith("+08:00")
    assert event["price"] == "0.00"


def test_free_location_event_links_to_its_category_feed(api_client):
    event = EventFactory(category="race")
    body = api_client.get(f"/api/v1/events/{event.pk}/").json()
    assert body["venue"] is None
    assert body["calendar"]["ics"] == f"{settings.SITE_URL}/calendar/events.ics?category=race"
    assert body["calendar"]["webcal"].startswith("webcal://")
    assert body["calendar"]["webcal"].endswith("/calendar/events.ics?category=race")


def test_venue_event_links_to_its_venue_feed(api_client):
    venue = VenueFactory()
    event = EventFactory(venue=venue)
    body = api_client.get(f"/api/v1/events/{event.pk}/").json()
    assert body["venue"] == {"id": venue.pk, "name": venue.name_zh}
    assert body["calendar"]["ics"] == f"{settings.SITE_URL}/calendar/venues/{venue.pk}.ics"


def test_title_follows_the_requested_language(api_client):
    event = EventFactory(title_zh="粤剧周", title_en="Cantonese Opera Week")
    zh = api_client.get(f"/api/v1/events/{event.pk}/").json()
    en = api_client.get(f"/api/v1/events/{event.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["title"] == "粤剧周"
    assert en["title"] == "Cantonese Opera Week"


def test_drafts_never_leak_into_list_or_detail(api_client):
    organiser, organisation = organiser_with_org()
    draft = EventFactory(organisation=organisation, status="draft", published_at=None)
    pending = EventFactory(organisation=organisation, status="pending_approval", published_at=None)
    public = EventFactory(organisation=organisation)
    for client in (api_client, client_for(UserFactory(username="nosy"))):
        listed = client.get("/api/v1/events/").json()
        assert [e["id"] for e in listed["results"]] == [public.pk]
        assert client.get("/api/v1/events/?status=draft").json()["count"] == 0
        for hidden in (draft, pending):
            response = client.get(f"/api/v1/events/{hidden.pk}/")
            assert response.status_code == 404
            assert response.json()["code"] == "event_not_found"
    member = client_for(organiser)
    assert member.get("/api/v1/events/").json()["count"] == 3
    body = member.get(f"/api/v1/events/{draft.pk}/").json()
    assert body["status"] == "draft" and body["can_manage"] is True


def test_filters_narrow_the_list(api_client):
    venue = VenueFactory()
    EventFactory(category="race")
    tennis = EventFactory(category="tennis", venue=venue, title_en="China Tennis Tour")
    assert api_client.get("/api/v1/events/?category=tennis").json()["count"] == 1
    assert api_client.get(f"/api/v1/events/?venue={venue.pk}").json()["count"] == 1
    found = api_client.get("/api/v1/events/?q=tennis").json()["results"]
    assert [e["id"] for e in found] == [tennis.pk]


def test_date_filters_take_dates_and_datetimes(api_client):
    event = EventFactory()
    day = timezone.localtime(event.starts_at).date()
    local = event.starts_at.isoformat()
    assert api_client.get(f"/api/v1/events/?starts_after={day}").json()["count"] == 1
    assert api_client.get(f"/api/v1/events/?starts_before={day}").json()["count"] == 1
    response = api_client.get("/api/v1/events/", {"starts_after": local})
    assert response.json()["count"] == 1
    response = api_client.get("/api/v1/events/", {"starts_before": local})
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("category=football", "unknown_category"),
        ("status=archived", "unknown_status"),
        ("starts_after=2026-13-45", "invalid_date"),
        ("starts_before=tomorrow", "invalid_date"),
        ("venue=abc", "invalid_filter"),
        ("venue=99999999999999999999999", "invalid_filter"),
    ],
)
def test_bad_filter_values_are_a_400_with_a_code(api_client, query, code):
    response = api_client.get(f"/api/v1/events/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize("bad_id", ["abc", "0", "99999999999999999999999"])
def test_unknown_event_id_is_404(api_client, bad_id):
    response = api_client.get(f"/api/v1/events/{bad_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "event_not_found"


def test_my_registration_is_shown_to_the_resident(resident, resident_client):
    event = EventFactory()
    registration = RegistrationFactory(event=event, resident=resident)
    body = resident_client.get(f"/api/v1/events/{event.pk}/").json()
    assert body["my_registration"] == {
        "id": registration.pk,
        "status": "confirmed",
        "position": None,
        "party_size": 1,
    }
    assert body["can_manage"] is False


def test_list_runs_a_fixed_number_of_queries(resident_client, django_assert_max_num_queries):
    EventFactory.create_batch(15, venue=VenueFactory())
    with django_assert_max_num_queries(6):
        response = resident_client.get("/api/v1/events/?page_size=100")
    assert response.json()["count"] == 15
