"""Migration booking.0006 moves the promotion notices of the old sweep into the outbox."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("booking", "0005_payment_registration")]
AFTER = [("booking", "0006_registration_notice_to_outbox")]


@pytest.mark.django_db(transaction=True)
def test_sent_notices_stay_sent_and_recent_untold_promotions_are_owed():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organisation = old.get_model("events", "Organisation").objects.create(slug="m", name_zh="组织")
    now = timezone.now()
    event = old.get_model("events", "Event").objects.create(
        organisation=organisation,
        title_zh="活动",
        category="race",
        status="published",
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=1),
        last_starts_at=now + dt.timedelta(days=3),
        last_ends_at=now + dt.timedelta(days=3, hours=1),
    )
    registration = old.get_model("events", "Registration")

    def registered(status: str, promoted_days_ago: float | None):  # type: ignore[no-untyped-def]
        promoted = None if promoted_days_ago is None else now - dt.timedelta(days=promoted_days_ago)
        other = old.get_model("auth", "User").objects.create(
            username=f"u{registration.objects.count()}"
        )
        return registration.objects.create(
            event=event, resident=other, status=status, promoted_at=promoted
        )

    told = registered("confirmed", 0.5)
    old.get_model("booking", "RegistrationNotice").objects.create(registration=told, sent_at=now)
    untold = registered("held", 0.5)
    too_old = registered("confirmed", 5)
    registered("confirmed", None)  # never waited
    registered("expired", 0.5)  # released before being told: nothing to say

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # the schema the other tests expect

    notice = executor.loader.project_state(AFTER).apps.get_model("common", "Notice")
    rows = {n.ref: (n.kind, n.outcome, n.sent_at is not None) for n in notice.objects.all()}
    assert rows == {
        told.pk: ("events.promoted", "sent", True),
        untold.pk: ("events.promoted", "", False),
    }
    assert too_old.pk not in rows
