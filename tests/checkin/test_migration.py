"""GateDevice and CheckIn move from booking to checkin (booking 0008, checkin 0001) keeping their
rows, their content types and the permissions groups hold on them; the move can be undone."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from checkin.gates import get_gate_device, hash_gate_token
from checkin.models import CheckIn, GateDevice

MOVED_OUT = ("booking", "0008_checkin_moved_out")
TAKEN_OVER = ("checkin", "0001_initial")
TOKEN = "gate-token-from-before-the-move"


def before_the_move(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """Booking's migration just before the move (whichever it is: 0008's booking parent)."""
    parents = executor.loader.graph.node_map[MOVED_OUT].parents
    return [next(parent.key for parent in parents if parent.key[0] == "booking")]


def migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()  # what is applied now
    return executor


def applied_models(executor: MigrationExecutor):  # type: ignore[no-untyped-def]
    """The models as the applied migrations of every app leave them (contenttypes included)."""
    return executor.loader.project_state(list(executor.loader.applied_migrations)).apps


def booked_and_scanned(old) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A gate, a booking scanned at it, and a group allowed to manage gates, in booking's models."""
    content_type = old.get_model("contenttypes", "ContentType")
    permission = old.get_model("auth", "Permission")
    gate_type, _ = content_type.objects.get_or_create(app_label="booking", model="gatedevice")
    scan_type, _ = content_type.objects.get_or_create(app_label="booking", model="checkin")
    change_gates, _ = permission.objects.get_or_create(
        content_type=gate_type, codename="change_gatedevice", defaults={"name": "Can change"}
    )
    view_scans, _ = permission.objects.get_or_create(
        content_type=scan_type, codename="view_checkin", defaults={"name": "Can view"}
    )
    group = old.get_model("auth", "Group").objects.create(name="gate keepers")
    group.permissions.add(change_gates, view_scans)
    keeper = old.get_model("auth", "User").objects.create(username="keeper")
    keeper.groups.add(group)

    venue = old.get_model("venues", "Venue").objects.create(
        slug="moved", name_zh="东门体育馆", kind="sports_centre"
    )
    resource = old.get_model("venues", "Resource").objects.create(venue=venue, name_zh="1号场")
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    slot = old.get_model("booking", "Slot").objects.create(
        resource=resource,
        venue=venue,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=4,
        places=1,
        remaining=0,
    )
    resident = old.get_model("auth", "User").objects.create(username="resident")
    booking = old.get_model("booking", "Booking").objects.create(
        slot=slot,
        resource=resource,
        venue=venue,
        resident=resident,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        exclusive=True,
        party_size=2,
        places=1,
        status="checked_in",
        checked_in_at=start,
    )
    gate = old.get_model("booking", "GateDevice").objects.create(
        venue=venue, name="东门闸机", token_hash=hash_gate_token(TOKEN)
    )
    scan = old.get_model("booking", "CheckIn").objects.create(
        booking=booking, device=gate, at=start, allowed=True
    )
    return {
        "gate": gate.pk,
        "scan": scan.pk,
        "booking": booking.pk,
        "keeper": keeper.pk,
        "gate_type": gate_type.pk,
        "scan_type": scan_type.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_gates_scans_and_group_permissions_survive_the_move_and_its_undoing():
    executor = MigrationExecutor(connection)
    before = before_the_move(executor)
    executor = migrate(before)
    made = booked_and_scanned(applied_models(executor))

    migrate([TAKEN_OVER])
    migrate()  # the schema the other tests expect
    ContentType.objects.clear_cache()

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

    old = applied_models(migrate(before))
    assert old.get_model("booking", "GateDevice").objects.get().pk == made["gate"]
    assert old.get_model("booking", "CheckIn").objects.get().pk == made["scan"]
    labels = old.get_model("contenttypes", "ContentType").objects.filter(
        pk__in=[made["gate_type"], made["scan_type"]]
    )
    assert sorted(labels.values_list("app_label", "model")) == [
        ("booking", "checkin"),
        ("booking", "gatedevice"),
    ]
    migrate()
