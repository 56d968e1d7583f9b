"""GateDevice and CheckIn move from booking to checkin (booking 0008, checkin 0001) keeping their
rows, their content types and the permissions groups hold on them; the move can be undone."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from checkin.gates import get_gate_device, hash_gate_token
from checkin.models import CheckIn, GateDevice
from tests import migration_moves as moves

MOVED_OUT = ("booking", "0008_checkin_moved_out")
TAKEN_OVER = ("checkin", "0001_initial")
TOKEN = "gate-token-from-before-the-move"


def booked_and_scanned(old) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A gate, a booking scanned at it, and a group allowed to manage gates, in booking's models."""
    keeper, types = moves.group_member(
        old,
        group="gate keepers",
        username="keeper",
        codenames=["change_gatedevice", "view_checkin"],
    )
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    booking = moves.one_place_booking(
        old,
        venue=("moved", "东门体育馆"),
        court="1号场",
        resident=old.get_model("auth", "User").objects.create(username="resident"),
        start=start,
        status="checked_in",
        checked_in_at=start,
    )
    gate = old.get_model("booking", "GateDevice").objects.create(
        venue=booking.venue, name="东门闸机", token_hash=hash_gate_token(TOKEN)
    )
    scan = old.get_model("booking", "CheckIn").objects.create(
        booking=booking, device=gate, at=start, allowed=True
    )
    return {
        "gate": gate.pk,
        "scan": scan.pk,
        "booking": booking.pk,
        "keeper": keeper.pk,
        "gate_type": types["gatedevice"].pk,
        "scan_type": types["checkin"].pk,
    }


@pytest.mark.django_db(transaction=True)
def test_gates_scans_and_group_permissions_survive_the_move_and_its_undoing():
    before, old = moves.undo_the_move(MOVED_OUT)
    made = booked_and_scanned(old)

    moves.make_the_move(TAKEN_OVER)

    gate = GateDevice.objects.get(pk=made["gate"])
    assert get_gate_device(token=TOKEN) == gate
    scan = CheckIn.objects.select_related("booking").get(pk=made["scan"])
    assert (scan.booking_id, scan.device_id, scan.allowed) == (made["booking"], gate.pk, True)
    assert list(gate.checkins.all()) == [scan]
    assert ContentType.objects.get_for_model(GateDevice).pk == made["gate_type"]
    assert ContentType.objects.get_for_model(CheckIn).pk == made["scan_type"]
    keeper = User.objects.get(pk=made["keeper"])
    assert keeper.has_perm("checkin.change_gatedevice")
    assert keeper.has_perm("checkin.view_checkin")
    assert not keeper.has_perm("checkin.delete_gatedevice")

    old = moves.applied_models(moves.migrate(before))
    assert old.get_model("booking", "GateDevice").objects.get().pk == made["gate"]
    assert old.get_model("booking", "CheckIn").objects.get().pk == made["scan"]
    assert moves.content_type_labels(old, made["gate_type"], made["scan_type"]) == [
        ("booking", "checkin"),
        ("booking", "gatedevice"),
    ]
    moves.migrate()
