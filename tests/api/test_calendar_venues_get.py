"""GET /calendar/venues/{id}.ics: one venue's public events."""

import pytest

from tests.factories import EventFactory, VenueFactory
from tests.js.parsers import assert_parsers_agree, vevents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("feed_site")]


def test_venue_feed_has_only_that_venues_events_and_is_named_after_it(client):
    venue = VenueFactory(name_zh="粤海体育休闲公园", name_en="Yuehai Park, phase 2")
    here = EventFactory(venue=venue, location_zh="", location_en="", category="tennis")
    EventFactory(venue=VenueFactory())
    EventFactory()

    response = client.get(f"/calendar/venues/{venue.pk}.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = assert_parsers_agree(response.content)
    assert [e["uid"] for e in parsed["events"]] == [f"event-{here.uid}@sports.luohu.example"]
    # The ASCII comma of the venue name is kept out of the (unescaped) calendar name.
    assert parsed["calendar"]["name"] == "粤海体育休闲公园 Yuehai Park， phase 2 活动 events"
    assert parsed["events"][0]["location"].startswith("粤海体育休闲公园")


def test_venue_without_events_gets_an_empty_calendar_not_an_error(client):
    venue = VenueFactory()

    response = client.get(f"/calendar/venues/{venue.pk}.ics")

    assert response.status_code == 200
    assert vevents(response.content) == {}


def test_category_narrows_a_venue_feed(client):
    venue = VenueFactory()
    race = EventFactory(venue=venue, category="race")
    EventFactory(venue=venue, category="dance")

    body = client.get(f"/calendar/venues/{venue.pk}.ics?category=race").content

    assert set(vevents(body)) == {f"event-{race.uid}@sports.luohu.example"}


def test_unknown_venue_is_404_and_a_non_integer_id_is_400(client):
    missing = client.get("/calendar/venues/424242.ics")
    malformed = client.get("/calendar/venues/abc.ics")

    assert missing.status_code == 404
    assert missing.json()["code"] == "venue_not_found"
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "invalid_venue"


def test_matching_etag_gets_304_and_a_change_at_the_venue_does_not(
    client, django_assert_num_queries
):
    venue = VenueFactory()
    EventFactory(venue=venue)
    url = f"/calendar/venues/{venue.pk}.ics"
    first = client.get(url)

    with django_assert_num_queries(1):
        assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    venue.name_zh = "新名字体育馆"
    venue.save()
    renamed = client.get(url, headers={"if-none-match": first["ETag"]})
    assert renamed.status_code == 200
    assert "新名字体育馆" in assert_parsers_agree(renamed.content)["calendar"]["name"]
