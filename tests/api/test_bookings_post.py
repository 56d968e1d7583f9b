"""POST /api/v1/bookings/: one-click booking, its replay and every refusal with its code."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.serializers.bookings import BookingSerializer
from booking.models import Booking, ResidentStanding
from tests.factories import BookingPolicyFactory, ResourceFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def slot_at(resource, start: dt.datetime, hours: float = 1, **kwargs):  # type: ignore[no-untyped-def]
    return SlotFactory(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=hours), **kwargs
    )


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_booking_a_free_court_answers_201_with_the_booking(resident_client, court):
    slot = SlotFactory(resource=court)
    response = resident_client.post(URL, {"slot": slot.pk, "party_size": 2}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    booking = Booking.objects.get()
    assert response["Location"] == f"{URL}{booking.pk}/"
    assert body["id"] == booking.pk
    assert body["slot"] == slot.pk
    assert body["resource"] == court.pk
    assert body["venue"] == court.venue_id
    assert body["party_size"] == 2
    assert body["status"] == "confirmed"
    assert body["price"] == "0.00"
    assert body["hold_expires_at"] is None
    assert body["starts_at"] == slot.starts_at.astimezone(SHANGHAI).isoformat()
    assert body["starts_at"].endswith("+08:00")
    assert body["payment_url"] == ""  # nothing to pay
    assert body["late_cancellation"] is False
    assert body["resource_name"] == court.name_zh
    assert dt.datetime.fromisoformat(body["cancel_deadline"]) == slot.starts_at - dt.timedelta(
        hours=2
    )


def test_booking_body_has_exactly_the_documented_fields(resident_client, court):
    response = resident_client.post(URL, {"slot": SlotFactory(resource=court).pk}, format="json")
    documented = set(BookingSerializer().fields)
    contract = {
        "id", "slot", "resource", "venue", "starts_at", "ends_at", "party_size", "status",
        "price", "created_at", "hold_expires_at", "payment_url", "checkin_code", "checkin_qr",
    }  # fmt: skip
    assert contract <= documented
    assert set(response.json()) == documented


def test_party_size_defaults_to_one(resident_client, gym):
    slot = SlotFactory(resource=gym)
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["party_size"] == 1


def test_paid_slot_is_held_with_an_expiry(resident_client, court, settings):
    settings.STRIPE_ENABLED = True
    slot = SlotFactory(resource=court, price=Decimal("35.50"))
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "held"
    assert body["price"] == "35.50"
    assert body["hold_expires_at"].endswith("+08:00")


def test_same_idempotency_key_replays_the_booking_with_200(resident_client, court):
    slot = SlotFactory(resource=court)
    first = resident_client.post(
        URL, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="tap-1"
    )
    again = resident_client.post(
        URL, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="tap-1"
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Booking.objects.count() == 1


def test_same_key_by_another_user_is_another_booking(resident_client, other_resident, gym):
    slot = SlotFactory(resource=gym)
    first = resident_client.post(URL, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = client_for(other_resident).post(
        URL, {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert first.status_code == other.status_code == 201
    assert first.json()["id"] != other.json()["id"]


def test_same_key_for_another_slot_is_422(resident_client, court):
    first, second = SlotFactory(resource=court), slot_at(court, tomorrow_at(6))
    resident_client.post(URL, {"slot": first.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = resident_client.post(
        URL, {"slot": second.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_overlong_idempotency_key_is_400(resident_client, court):
    response = resident_client.post(
        URL, {"slot": SlotFactory(resource=court).pk}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"


# --- 409 ------------------------------------------------------------------------------------------


def test_taken_court_is_409_slot_taken(resident_client, other_resident, court):
    slot = SlotFactory(resource=court)
    assert client_for(other_resident).post(URL, {"slot": slot.pk}, format="json").status_code == 201
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert response.json()["detail"]


def test_full_gym_slot_is_409_slot_full(resident_client, other_resident, gym):
    slot = SlotFactory(resource=gym, capacity=1, places=1, remaining=1)
    client_for(other_resident).post(URL, {"slot": slot.pk}, format="json")
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"


def test_booking_a_slot_one_already_holds_is_409_already_booked(resident_client, gym):
    slot = SlotFactory(resource=gym)
    resident_client.post(URL, {"slot": slot.pk}, format="json")
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_booked"


# --- 422 ------------------------------------------------------------------------------------------


def test_third_booking_of_the_day_is_422_quota_exceeded(resident_client, court):
    for hour in (9, 11):
        slot = slot_at(court, tomorrow_at(hour))
        assert resident_client.post(URL, {"slot": slot.pk}, format="json").status_code == 201
    response = resident_client.post(
        URL, {"slot": slot_at(court, tomorrow_at(14)).pk}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "quota_exceeded"
    assert response.json()["limit"] == "per_day"


def test_slot_before_its_release_is_422_with_opens_at_and_bookable_at_noon(
    resident_client, venue, time_machine
):
    BookingPolicyFactory._meta.model.objects.filter(venue=venue).update(
        window_days=7, release_time=dt.time(12, 0)
    )
    court = ResourceFactory(venue=venue)
    time_machine.move_to(dt.datetime(2026, 3, 3, 11, 59, 59, tzinfo=SHANGHAI), tick=False)
    slot = slot_at(court, dt.datetime(2026, 3, 10, 20, 0, tzinfo=SHANGHAI))
    early = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert early.status_code == 422
    assert early.json()["code"] == "window_not_open"
    assert early.json()["opens_at"] == "2026-03-03T12:00:00+08:00"
    time_machine.move_to(dt.datetime(2026, 3, 3, 12, 0, 0, tzinfo=SHANGHAI), tick=False)
    assert resident_client.post(URL, {"slot": slot.pk}, format="json").status_code == 201


def test_started_slot_is_422_past(resident_client, court):
    slot = slot_at(court, timezone.now() - dt.timedelta(minutes=5))
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "past"


def test_closed_slot_is_422_closed(resident_client, court):
    slot = SlotFactory(resource=court, is_closed=True, closed_reason="场地维修")
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 422
    assert response.json() == {"code": "closed", "detail": "场地维修"}


def test_party_larger_than_capacity_is_422_party_too_large(resident_client, court):
    response = resident_client.post(
        URL, {"slot": SlotFactory(resource=court).pk, "party_size": 9}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "party_too_large"
    assert "party_size" in response.json()["fields"]


def test_paid_slot_without_payments_is_422_payment_unavailable(resident_client, court, settings):
    settings.STRIPE_ENABLED = False
    slot = SlotFactory(resource=court, price=Decimal("20.00"))
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "payment_unavailable"


# --- 403, 404, 401, 429 -----------------------------------------------------------------------------


def test_suspended_resident_is_403_with_suspended_until(resident, resident_client, court):
    ResidentStanding.objects.create(
        user=resident, suspended_until=dt.datetime(2030, 5, 1, 9, 30, tzinfo=SHANGHAI)
    )
    response = resident_client.post(URL, {"slot": SlotFactory(resource=court).pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
    assert response.json()["suspended_until"] == "2030-05-01T09:30:00+08:00"


def test_unknown_slot_is_404_slot_not_found(resident_client):
    response = resident_client.post(URL, {"slot": 987654}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "slot_not_found"


def test_anonymous_caller_is_401_not_authenticated(api_client, court):
    response = api_client.post(URL, {"slot": SlotFactory(resource=court).pk}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Booking.objects.count() == 0


def test_invalid_token_is_401_authentication_failed(api_client, court):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.post(URL, {"slot": SlotFactory(resource=court).pk}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_booking_attempts_beyond_the_rate_are_429_throttled(
    resident_client, court, settings, time_machine
):
    # Five seconds into a minute: the throttle counts in fixed one-minute windows.
    time_machine.move_to(dt.datetime(2026, 3, 3, 10, 0, 5, tzinfo=SHANGHAI), tick=False)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"booking_create": "3/min", "auth": "20/min"},
    }
    slot = SlotFactory(resource=court)
    codes = [
        resident_client.post(URL, {"slot": slot.pk}, format="json").status_code for _ in range(4)
    ]
    assert codes == [201, 409, 409, 429]
    response = resident_client.post(URL, {"slot": slot.pk}, format="json")
    assert response.json()["code"] == "throttled"
    assert response["Retry-After"] == "55"
    # Reading one's bookings is not an attempt.
    assert resident_client.get(URL).status_code == 200


def test_throttle_can_be_switched_off(resident_client, gym, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"booking_create": "off", "auth": "20/min"},
    }
    slot = SlotFactory(resource=gym)
    codes = {
        resident_client.post(URL, {"slot": slot.pk}, format="json").status_code for _ in range(40)
    }
    assert codes == {201, 409}


# --- cost of the request path ---------------------------------------------------------------------


def test_refused_attempt_costs_one_query_with_token_auth(resident, other_resident, court):
    slot = SlotFactory(resource=court)
    client_for(other_resident).post(URL, {"slot": slot.pk}, format="json")
    client = client_for(resident)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 409
    # The token's user, the slot and everything the checks need, in one statement.
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "authtoken_token" in queries[0]["sql"]


def test_successful_booking_writes_in_one_short_transaction(resident, court):
    client = client_for(resident)
    slot = SlotFactory(resource=court)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, {"slot": slot.pk}, format="json")
    assert response.status_code == 201
    statements = [q["sql"].split()[0].upper() for q in queries]
    # token with slot read, the booking gates, [savepoint], slot UPDATE (on PostgreSQL with the lock timeout and
    # the user's lock in one statement), the resident's bookings, INSERT of the booking and of
    # its confirmation notice (one statement on PostgreSQL); what follows the commit
    # (notifications, payments) is not part of the booking.
    data = [s for s in statements if s not in {"SAVEPOINT", "RELEASE"}]
    take = "WITH" if connection.vendor == "postgresql" else "UPDATE"
    insert = ["WITH"] if connection.vendor == "postgresql" else ["INSERT", "INSERT"]
    # (The SELECT after the read asks the booking gates, booking.hooks, in one statement: the
    # ballot's, allocation.gates, and the waiting list's, waitlist.gates.)
    expected = ["WITH", "SELECT", take, "SELECT", *insert]
    assert data[: len(expected)] == expected, statements
    inserted = next(q["sql"] for q in queries if "common_notice" in q["sql"])
    assert "booking_booking" in inserted or connection.vendor != "postgresql"


def test_a_different_user_each_time_gets_its_own_booking(court):
    slot = SlotFactory(resource=court)
    winners = [
        client_for(UserFactory(username=f"u{n}")).post(URL, {"slot": slot.pk}, format="json")
        for n in range(3)
    ]
    assert [w.status_code for w in winners] == [201, 409, 409]
