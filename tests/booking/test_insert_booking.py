"""`booking.locking.insert_booking`: the rush's hand-written INSERT writes what `save()` would.

It skips `Model.save()` and with it the `pre_save`/`post_save` signals: correct only while
`Booking` has no receivers for them, which the first test pins.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking import steps
from booking.locking import insert_booking
from booking.models import Booking
from common.models import Notice
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db

# Set by the database or by defaults at insert time, so different in two bookings anyway.
PER_ROW = {"id", "uid", "created_at", "updated_at"}
PRICE = Decimal("30.00")  # a court's price: the booking's, whatever the party size


def test_booking_has_no_save_receivers_for_the_fast_insert_to_skip():
    # Every app is loaded (pytest-django set Django up): receivers of any app would show here,
    # also those connected for every sender.
    assert not pre_save.has_listeners(Booking)
    assert not post_save.has_listeners(Booking)


def test_the_pin_sees_a_receiver_when_one_is_connected():
    def receiver(**kwargs):  # type: ignore[no-untyped-def]
        pass

    post_save.connect(receiver, sender=Booking)
    try:
        assert post_save.has_listeners(Booking)
    finally:
        post_save.disconnect(receiver, sender=Booking)


def new_booking(slot, resident, *, confirmed: bool) -> Booking:  # type: ignore[no-untyped-def]
    """Built as every service builds a booking (`booking.steps.new_booking`)."""
    now = timezone.now()
    return steps.new_booking(
        slot=slot,
        resident=resident,
        party_size=2,
        places=1,
        status=Booking.Status.CONFIRMED if confirmed else Booking.Status.HELD,
        idempotency_key="k-1",
        hold_expires_at=None if confirmed else now + dt.timedelta(minutes=10),
        confirmed_at=now if confirmed else None,
    )


def values(booking: Booking) -> dict:  # type: ignore[type-arg]
    return {
        f.attname: getattr(booking, f.attname)
        for f in Booking._meta.concrete_fields
        if f.attname not in PER_ROW
    }


def test_the_row_equals_what_save_writes(resident, court):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    slot_a = SlotFactory(
        resource=court, starts_at=start, ends_at=start + dt.timedelta(hours=1), price=PRICE
    )
    slot_b = SlotFactory(
        resource=court,
        starts_at=start + dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=2),
        price=PRICE,
    )
    fast = new_booking(slot_a, resident, confirmed=True)
    insert_booking(fast)
    saved = new_booking(slot_b, resident, confirmed=True)
    saved.confirmed_at, saved.idempotency_key = fast.confirmed_at, "k-2"
    saved.save()

    stored_fast = Booking.objects.get(pk=fast.pk)
    stored_saved = Booking.objects.get(pk=saved.pk)
    expected = {
        **values(stored_saved),
        "slot_id": slot_a.pk,
        "starts_at": slot_a.starts_at,
        "ends_at": slot_a.ends_at,
        "idempotency_key": "k-1",
    }
    assert values(stored_fast) == expected
    # What save() sets itself: the uid default and the auto_now(_add) timestamps.
    assert stored_fast.uid == fast.uid and stored_fast.uid != stored_saved.uid
    assert stored_fast.created_at == fast.created_at and stored_fast.created_at is not None
    assert stored_fast.updated_at == fast.updated_at
    # The in-memory booking is the saved row, as after save().
    assert fast.pk is not None and fast._state.adding is False and fast._state.db == "default"
    assert values(fast) == {**values(stored_fast), "price": PRICE}


def test_a_confirmed_booking_owes_its_confirmation_in_the_same_statement(resident, court):
    booking = new_booking(SlotFactory(resource=court), resident, confirmed=True)
    with CaptureQueriesContext(connection) as queries:
        insert_booking(booking)
    # PostgreSQL: booking and notice in one statement (a CTE); elsewhere two.
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    notice = Notice.objects.get(ref=booking.pk)
    assert notice.kind == Booking.CONFIRMATION_NOTICE
    assert notice.created_at == notice.due_at == booking.confirmed_at
    assert (notice.attempts, notice.last_error, notice.sent_at, notice.outcome) == (0, "", None, "")


def test_a_held_booking_owes_nothing_yet(resident, court):
    booking = new_booking(SlotFactory(resource=court), resident, confirmed=False)
    with CaptureQueriesContext(connection) as queries:
        insert_booking(booking)
    assert len(queries) == 1
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.HELD
    assert not Notice.objects.filter(ref=booking.pk).exists()
