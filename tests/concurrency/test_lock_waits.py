"""Lock waits on PostgreSQL: a held row lock answers `busy` in time; a deadlock is retried."""

import logging
import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from booking import services
from booking.exceptions import BookingBusyError
from booking.models import Booking
from tests.factories import SlotFactory
from tests.row_locks import RowLocker, backend_pid, wait_until_waiting_on_a_lock

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def lock_slot(slot_id: int) -> tuple[str, list[object]]:
    return ("SELECT id FROM booking_slot WHERE id = %s FOR UPDATE", [slot_id])


def test_booking_behind_a_held_slot_lock_is_busy_after_the_lock_timeout(resident, court, settings):
    settings.DB_LOCK_TIMEOUT_MS = 200
    slot = SlotFactory(resource=court)
    with RowLocker(lock_slot(slot.pk)):
        started = time.monotonic()
        with pytest.raises(BookingBusyError):
            services.place_booking(resident=resident, slot_id=slot.pk)
        waited = time.monotonic() - started
    assert 0.15 < waited < 1.5
    slot.refresh_from_db()
    assert slot.remaining == 1
    # Once the lock is gone the same request succeeds.
    assert services.place_booking(resident=resident, slot_id=slot.pk).created


def test_api_answers_409_busy_with_retry_after_while_the_slot_row_is_locked(
    resident, court, settings
):
    settings.DB_LOCK_TIMEOUT_MS = 200
    slot = SlotFactory(resource=court)
    client = APIClient()
    client.force_authenticate(resident)
    with RowLocker(lock_slot(slot.pk)):
        response = client.post("/api/v1/bookings/", {"slot": slot.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "busy"
    assert response["Retry-After"] == "1"
    assert client.post("/api/v1/bookings/", {"slot": slot.pk}, format="json").status_code == 201


def test_cancel_behind_a_held_booking_lock_is_busy(resident, court, settings):
    settings.DB_LOCK_TIMEOUT_MS = 200
    booking = services.place_booking(
        resident=resident, slot_id=SlotFactory(resource=court).pk
    ).booking
    locker = RowLocker(("SELECT id FROM booking_booking WHERE id = %s FOR UPDATE", [booking.pk]))
    with locker, pytest.raises(BookingBusyError):
        services.cancel_booking(booking_id=booking.pk, by_user=resident)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_deadlock_with_another_transaction_is_retried_and_the_booking_succeeds(
    resident, court, settings, caplog
):
    """The other transaction locks the resident row, then the slot row: the reverse order.

    PostgreSQL aborts the booking transaction (it checks first: shorter deadlock_timeout);
    place_booking runs it again once the other one has committed.
    """
    settings.DB_LOCK_TIMEOUT_MS = 10_000
    slot = SlotFactory(resource=court)
    booking_pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '500ms'")
    problems: list[BaseException] = []
    resident_locked = threading.Event()

    def other_transaction() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '20s'")
                cursor.execute(
                    "SELECT id FROM auth_user WHERE id = %s FOR NO KEY UPDATE", [resident.pk]
                )
                resident_locked.set()
                wait_until_waiting_on_a_lock(cursor, booking_pid)
                cursor.execute(
                    "UPDATE booking_slot SET closed_reason = '' WHERE id = %s", [slot.pk]
                )
        except BaseException as exc:
            problems.append(exc)
            resident_locked.set()
        finally:
            connection.close()

    other = threading.Thread(target=other_transaction, daemon=True)
    other.start()
    assert resident_locked.wait(timeout=10)
    with caplog.at_level(logging.WARNING, logger="common.transactions"):
        result = services.place_booking(resident=resident, slot_id=slot.pk)
    other.join(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute("RESET deadlock_timeout")
    assert problems == []
    assert result.created
    assert "deadlock in a booking transaction, retry 1" in caplog.text
    slot.refresh_from_db()
    assert slot.remaining == 0
    assert Booking.objects.filter(slot=slot).count() == 1
