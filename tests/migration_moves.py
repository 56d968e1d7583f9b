"""Helpers for the tests of migrations that move models from booking to another app (checkin,
payments): run the migrations back and forth, and make rows in the models as they were."""

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def before_the_move(
    executor: MigrationExecutor, moved_out: tuple[str, str]
) -> list[tuple[str, str]]:
    """Booking's migration just before the move (whichever it is: `moved_out`'s booking parent)."""
    parents = executor.loader.graph.node_map[moved_out].parents
    return [next(parent.key for parent in parents if parent.key[0] == "booking")]


def migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()  # what is applied now
    return executor


def applied_models(executor: MigrationExecutor):  # type: ignore[no-untyped-def]
    """The models as the applied migrations of every app leave them (contenttypes included)."""
    return executor.loader.project_state(list(executor.loader.applied_migrations)).apps


def undo_the_move(moved_out: tuple[str, str]):  # type: ignore[no-untyped-def]
    """Migrate back to booking's migration just before the move; return that target and the
    models as they were there."""
    before = before_the_move(MigrationExecutor(connection), moved_out)
    return before, applied_models(migrate(before))


def make_the_move(taken_over: tuple[str, str]) -> None:
    """Apply the move (`taken_over`: the new app's migration), then every migration: the
    schema the other tests expect."""
    migrate([taken_over])
    migrate()
    ContentType.objects.clear_cache()


def content_type_labels(old, *pks: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The (app label, model) of the content types `pks` in the models `old`, sorted."""
    labels = old.get_model("contenttypes", "ContentType").objects.filter(pk__in=pks)
    return sorted(labels.values_list("app_label", "model"))


def group_member(  # type: ignore[no-untyped-def]
    old, *, group: str, username: str, codenames: list[str], **user_fields: Any
):
    """A user in a new group that holds the permissions `codenames` ("<action>_<model>") on
    booking's models. Returns the user and the content types of those models, by model."""
    content_type = old.get_model("contenttypes", "ContentType")
    permission = old.get_model("auth", "Permission")
    types = {}
    granted = []
    for codename in codenames:
        action, _, model = codename.partition("_")
        types[model], _ = content_type.objects.get_or_create(app_label="booking", model=model)
        found, _ = permission.objects.get_or_create(
            content_type=types[model], codename=codename, defaults={"name": f"Can {action}"}
        )
        granted.append(found)
    holder = old.get_model("auth", "Group").objects.create(name=group)
    holder.permissions.add(*granted)
    member = old.get_model("auth", "User").objects.create(username=username, **user_fields)
    member.groups.add(holder)
    return member, types


def one_place_booking(  # type: ignore[no-untyped-def]
    old,
    *,
    venue: tuple[str, str],
    court: str,
    resident,
    start: dt.datetime,
    slot_fields: dict[str, Any] | None = None,
    **booking_fields: Any,
):
    """An exclusive booking of a party of two for the one place of an hour's slot at a new
    venue (`venue`: slug, Chinese name) and court, in booking's models as they were."""
    slug, name_zh = venue
    place = old.get_model("venues", "Venue").objects.create(
        slug=slug, name_zh=name_zh, kind="sports_centre"
    )
    resource = old.get_model("venues", "Resource").objects.create(venue=place, name_zh=court)
    slot = old.get_model("booking", "Slot").objects.create(
        resource=resource,
        venue=place,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=4,
        places=1,
        remaining=0,
        **(slot_fields or {}),
    )
    return old.get_model("booking", "Booking").objects.create(
        slot=slot,
        resource=resource,
        venue=place,
        resident=resident,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        exclusive=True,
        party_size=2,
        places=1,
        **booking_fields,
    )
