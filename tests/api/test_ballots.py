"""The ballot API (design.md, "Fair allocation"): shapes, codes, and the fast booking path."""

import datetime as dt
import json

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient

from allocation import services
from allocation.models import BallotRound
from api.views.bookings import BookingCollectionView
from tests.allocation.conftest import make_ballot
from tests.api.helpers import client_for
from tests.factories import ResourceFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

ROUND_KEYS = {
    "id", "venue", "date", "slots", "opens_at", "closes_at", "draws_at", "releases_at",
    "status", "max_choices", "commitment", "seed", "entries_count",
}  # fmt: skip


@pytest.fixture
def ballot(venue):  # type: ignore[no-untyped-def]
    return make_ballot(venue)


@pytest.fixture
def residents(db):  # type: ignore[no-untyped-def]
    return [UserFactory(username=f"r{i}", email=f"r{i}@example.org") for i in range(6)]


def test_rounds_list_and_detail_have_the_contract_shape(ballot, api_client):
    listed = api_client.get("/api/v1/ballots/", {"venue": ballot.round.venue_id})
    assert listed.status_code == 200 and listed.json()["count"] == 1
    body = api_client.get(f"/api/v1/ballots/{ballot.round.pk}/").json()
    assert set(body) >= ROUND_KEYS
    assert body["status"] == "open" and body["seed"] is None
    assert sorted(body["slots"]) == sorted([s.pk for s in ballot.courts] + [ballot.floor.pk])
    for status in ("open", "scheduled", "closed", "drawn"):
        got = api_client.get("/api/v1/ballots/", {"status": status}).json()["count"]
        assert got == (1 if status == "open" else 0)


@pytest.mark.parametrize(
    ("params", "code"),
    [({"status": "nope"}, "invalid_filter"), ({"date": "2026-13-01"}, "invalid_date"),
     ({"venue": "x"}, "invalid_filter"), ({"page": "0"}, "invalid_filter"),
     ({"venue": "0"}, "invalid_filter"), ({"venue": ""}, "invalid_filter"),
     ({"status": ""}, "invalid_filter"), ({"date": ""}, "invalid_date"),
     ({"date": "1999-12-31"}, "invalid_date")],
)  # fmt: skip
def test_bad_round_filters_are_400(api_client, db, params, code):
    response = api_client.get("/api/v1/ballots/", params)
    assert response.status_code == 400 and response.json()["code"] == code


@pytest.mark.parametrize("pk", ["999999", "abc", "0", "-1", "99999999999999999999"])
def test_unknown_rounds_are_404(api_client, db, pk):
    for path in ("", "results/"):
        response = api_client.get(f"/api/v1/ballots/{id}/{path}")
        assert response.status_code == 404 and response.json()["code"] == "ballot_not_found"


def test_staff_create_a_round_and_residents_may_not(venue, staff_user, resident):
    now = timezone.now()
    slot = SlotFactory(resource=ResourceFactory(venue=venue), starts_at=now + dt.timedelta(days=2))
    body = {
        "venue": venue.pk,
        "slots": [slot.pk],
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
        "draws_at": (now + dt.timedelta(hours=1)).isoformat(),
        "releases_at": (now + dt.timedelta(hours=2)).isoformat(),
        "max_choices": 2,
    }
    refused = client_for(resident).post("/api/v1/ballots/", body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_venue_staff"
    made = client_for(staff_user).post("/api/v1/ballots/", body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["max_choices"] == 2 and made.json()["slots"] == [slot.pk]
    again = client_for(staff_user).post("/api/v1/ballots/", body, format="json")
    assert again.status_code == 400 and again.json()["code"] == "invalid_round"
    assert APIClient().post("/api/v1/ballots/", body, format="json").status_code == 401


@pytest.mark.parametrize(
    "change",
    [{"venue": "1"}, {"slots": []}, {"slots": ["a"]}, {"opens_at": "2026-01-01T10:00:00"},
     {"closes_at": "yesterday"}, {"max_choices": 0}, {"venue": 99999}],
)  # fmt: skip
def test_bad_round_input_is_400(venue, staff_user, change):
    now = timezone.now()
    body = {
        "venue": venue.pk,
        "slots": [SlotFactory(resource=ResourceFactory(venue=venue)).pk],
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
        "draws_at": (now + dt.timedelta(hours=1)).isoformat(),
        "releases_at": (now + dt.timedelta(hours=2)).isoformat(),
        **change,
    }
    response = client_for(staff_user).post("/api/v1/ballots/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"]


def test_enter_change_withdraw_through_the_api(ballot, resident):
    client = client_for(resident)
    url = f"/api/v1/ballots/{ballot.round.pk}/entries/"
    made = client.post(url, {"choices": [ballot.courts[0].pk], "party_size": 2}, format="json")
    assert made.status_code == 201
    entry = made.json()
    assert {"id", "round", "ticket", "choices", "party_size", "status"} <= set(entry)
    assert entry["status"] == "entered" and entry["round"] == ballot.round.pk
    twice = client.post(url, {"choices": [ballot.floor.pk]}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_entered"
    changed = client.patch(
        f"/api/v1/ballot-entries/{entry['id']}/", {"choices": [ballot.floor.pk]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["choices"] == [ballot.floor.pk]
    mine = client.get("/api/v1/ballot-entries/").json()
    assert mine["count"] == 1 and mine["results"][0]["ticket"] == entry["ticket"]
    gone = client.post(f"/api/v1/ballot-entries/{entry['id']}/withdraw/")
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    other = client_for(UserFactory(username="eve"))
    assert other.get(f"/api/v1/ballot-entries/{entry['id']}/").status_code == 404
    assert other.post(f"/api/v1/ballot-entries/{entry['id']}/withdraw/").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"choices": "many"}, 400, "too_many_choices"),
        ({"choices": "dup"}, 400, "duplicate_choices"),
        ({"choices": [424242]}, 400, "slot_not_in_round"),
        ({"choices": "floor", "party_size": 7}, 400, "party_too_large"),
        ({"choices": "floor", "party_size": 0}, 400, "invalid_party_size"),
        ({"choices": "floor", "party_size": "2"}, 400, "invalid"),
        ({"choices": []}, 400, "invalid"),
        ({"choices": ["1"]}, 400, "invalid"),
        ({}, 400, "invalid"),
    ],
)
def test_bad_entries_are_4xx_with_a_code(ballot, resident, body, status, code):
    ids = [s.pk for s in ballot.courts] + [ballot.floor.pk]
    named = {"many": [*ids, ids[0]], "dup": [ids[0], ids[0]], "floor": [ballot.floor.pk]}
    if isinstance(body.get("choices"), str):
        body = {**body, "choices": named[body["choices"]]}
    response = client_for(resident).post(
        f"/api/v1/ballots/{ballot.round.pk}/entries/", body, format="json"
    )
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code


def test_entering_outside_the_window_is_422(venue, resident):
    b = make_ballot(venue)
    BallotRound.objects.filter(pk=b.round.pk).update(
        closes_at=timezone.now(), draws_at=timezone.now()
    )
    response = client_for(resident).post(
        f"/api/v1/ballots/{b.round.pk}/entries/", {"choices": [b.floor.pk]}, format="json"
    )
    assert response.status_code == 422 and response.json()["code"] == "ballot_closed"
    later = timezone.now() + dt.timedelta(hours=1)
    BallotRound.objects.filter(pk=b.round.pk).update(
        opens_at=later, closes_at=later + dt.timedelta(minutes=1), draws_at=b.round.releases_at
    )
    response = client_for(resident).post(
        f"/api/v1/ballots/{b.round.pk}/entries/", {"choices": [b.floor.pk]}, format="json"
    )
    assert response.status_code == 422 and response.json()["code"] == "ballot_not_open"
    assert "opens_at" in response.json()


def test_draw_before_close_is_422_then_draw_and_results(ballot, staff_user, residents):
    for r in residents[:4]:
        services.enter_ballot(
            round_id=ballot.round.pk, resident=r, choices=[ballot.courts[0].pk], now=ballot.now
        )
    staff = client_for(staff_user)
    early = staff.post(f"/api/v1/ballots/{ballot.round.pk}/draw/")
    assert early.status_code == 422 and early.json()["code"] == "ballot_open"
    not_yet = APIClient().get(f"/api/v1/ballots/{ballot.round.pk}/results/")
    assert not_yet.status_code == 422 and not_yet.json()["code"] == "ballot_not_drawn"
    assert (
        client_for(residents[0]).post(f"/api/v1/ballots/{ballot.round.pk}/draw/").status_code == 403
    )
    BallotRound.objects.filter(pk=ballot.round.pk).update(
        opens_at=timezone.now() - dt.timedelta(hours=2),
        closes_at=timezone.now(),
        draws_at=timezone.now(),
    )
    drawn = staff.post(f"/api/v1/ballots/{ballot.round.pk}/draw/")
    assert drawn.status_code == 200 and drawn.json()["status"] == "drawn"
    assert drawn.json()["seed"] == ballot.round.seed
    assert staff.post(f"/api/v1/ballots/{ballot.round.pk}/draw/").json() == drawn.json()
    results = APIClient().get(f"/api/v1/ballots/{ballot.round.pk}/results/").json()
    assert results["algorithm"] == "v1" and results["commitment"] == ballot.round.commitment
    assert len(results["entries"]) == 4
    assert sum(e["won_slot"] is not None for e in results["entries"]) == 1
    mine = client_for(residents[0]).get("/api/v1/ballot-entries/").json()["results"][0]
    assert mine["status"] in ("won", "lost")
    assert (mine["booking"] is not None) == (mine["status"] == "won")


def test_availability_marks_ballot_slots(ballot, api_client):
    day = ballot.courts[0].starts_at.astimezone(timezone.get_current_timezone()).date()
    body = api_client.get(
        f"/api/v1/venues/{ballot.round.venue_id}/availability/", {"date": day.isoformat()}
    ).json()
    slots = {s["id"]: s for r in body["resources"] for s in r["slots"]}
    mark = slots[ballot.floor.pk]
    assert mark["allocation"] == "ballot" and mark["ballot"] == ballot.round.pk
    assert mark["bookable"] is False and mark["reason"] == "ballot"
    # On another floor of the venue at the floor's hour: the same day whatever the hour now.
    other_floor = ResourceFactory(venue=ballot.floor.resource.venue, exclusive=False, capacity=6)
    other = SlotFactory(resource=other_floor, starts_at=ballot.floor.starts_at)
    body = api_client.get(
        f"/api/v1/venues/{ballot.round.venue_id}/availability/", {"date": day.isoformat()}
    ).json()
    slots = {s["id"]: s for r in body["resources"] for s in r["slots"]}
    assert slots[other.pk]["allocation"] == "fcfs" and slots[other.pk]["ballot"] is None


def test_booking_a_ballot_slot_is_refused_on_every_path(ballot, resident):
    token = Token.objects.create(user=resident)
    body = json.dumps({"slot": ballot.floor.pk, "party_size": 1})
    # Through the whole stack with a token and no cookie (the middleware's token path) ...
    http = Client().post(
        "/api/v1/bookings/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert http.status_code == 422 and http.json()["code"] == "ballot"
    assert http.json()["ballot"] == ballot.round.pk
    # ... answered by the short path of booking_rush (a plain HttpResponse, not DRF's) ...
    request = RequestFactory().post(
        "/api/v1/bookings/", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )  # fmt: skip
    short = BookingCollectionView.as_view()(request)
    assert isinstance(short, HttpResponse) and not isinstance(short, Response)
    assert short.status_code == 422 and json.loads(short.content)["code"] == "ballot"
    # ... and by DRF's view for a session client.
    session = client_for(resident).post(
        "/api/v1/bookings/", {"slot": ballot.floor.pk, "party_size": 1}, format="json"
    )
    assert session.status_code == 422 and session.json()["code"] == "ballot"


def test_schema_lists_the_ballot_paths(api_client, db):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/ballots/",
        "/api/v1/ballots/{id}/",
        "/api/v1/ballots/{id}/entries/",
        "/api/v1/ballots/{id}/draw/",
        "/api/v1/ballots/{id}/results/",
        "/api/v1/ballot-entries/",
        "/api/v1/ballot-entries/{id}/",
        "/api/v1/ballot-entries/{id}/withdraw/",
    ):
        assert path in schema["paths"], path


def test_slot_list_and_detail_mark_ballot_slots(ballot, api_client):
    listed = api_client.get("/api/v1/slots/", {"venue": ballot.round.venue_id}).json()
    by_id = {s["id"]: s for s in listed["results"]}
    mark = by_id[ballot.floor.pk]
    assert (mark["allocation"], mark["ballot"], mark["reason"], mark["bookable"]) == (
        "ballot",
        ballot.round.pk,
        "ballot",
        False,
    )
    one = api_client.get(f"/api/v1/slots/{ballot.floor.pk}/").json()
    assert one["allocation"] == "ballot" and one["reason"] == "ballot"
