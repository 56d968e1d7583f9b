"""Payment and StripeEvent move from booking to payments (booking 0009, payments 0001) keeping
every row, their content types (so admin log entries and the permissions groups hold on them) and
the database constraints; the move can be undone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import Booking
from events.models import Registration
from payments.models import Payment, StripeEvent
from tests import migration_moves as moves

MOVED_OUT = ("booking", "0009_payments_moved_out")
TAKEN_OVER = ("payments", "0001_initial")
PAYMENT_COLUMNS = (
    "pk",
    "booking_id",
    "registration_id",
    "amount",
    "currency",
    "status",
    "payment_method_types",
    "stripe_payment_intent_id",
    "stripe_client_secret",
    "amount_refunded",
    "stripe_refund_id",
    "refund_reason",
    "last_error",
    "succeeded_at",
    "refunded_at",
    "created_at",
    "updated_at",
)
EVENT_COLUMNS = ("pk", "event_id", "type", "payment_id", "outcome", "received_at")


def rows(model, columns):  # type: ignore[no-untyped-def]
    return sorted(model.objects.values_list(*columns))


def paid_for(old) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A paid booking, a paid then refunded registration, an unpaid one, their webhook events,
    a group allowed to view payments and an admin log entry about a payment, in booking's models.
    """
    user_model = old.get_model("auth", "User")
    cashier, types = moves.group_member(
        old,
        group="cashiers",
        username="cashier",
        codenames=["view_payment", "view_stripeevent"],
        is_staff=True,
    )
    payment_type = types["payment"]
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    resident = user_model.objects.create(username="payer")
    booking = moves.one_place_booking(
        old,
        venue=("paid", "莲塘体育馆"),
        court="2号场",
        resident=resident,
        start=start,
        slot_fields={"price": Decimal("60.00")},
        price=Decimal("60.00"),
        status="confirmed",
        confirmed_at=start - dt.timedelta(days=1),
    )
    organisation = old.get_model("events", "Organisation").objects.create(
        slug="runners", name_zh="罗湖跑团"
    )
    event = old.get_model("events", "Event").objects.create(
        organisation=organisation,
        title_zh="梧桐山登高赛",
        category="race",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        status="published",
        capacity=10,
        registered_count=1,
        price=Decimal("20.00"),
    )
    registration = old.get_model("events", "Registration")
    refunded = registration.objects.create(
        event=event, resident=resident, status="cancelled", amount=Decimal("40.00"), party_size=2
    )
    unpaid = registration.objects.create(
        event=event,
        resident=user_model.objects.create(username="waiting"),
        status="held",
        amount=Decimal("20.00"),
        hold_expires_at=start - dt.timedelta(days=1),
    )
    payment = old.get_model("booking", "Payment")
    paid = payment.objects.create(
        booking=booking,
        amount=Decimal("60.00"),
        status="succeeded",
        payment_method_types=["card", "alipay"],
        stripe_payment_intent_id="pi_booking_paid",
        stripe_client_secret="pi_booking_paid_secret",
        succeeded_at=start - dt.timedelta(days=1),
    )
    payment.objects.create(
        registration=refunded,
        amount=Decimal("40.00"),
        status="refunded",
        stripe_payment_intent_id="pi_registration_refunded",
        amount_refunded=Decimal("40.00"),
        stripe_refund_id="re_1",
        refund_reason="cancelled",
        refunded_at=start - dt.timedelta(hours=12),
    )
    payment.objects.create(registration=unpaid, amount=Decimal("20.00"), last_error="declined")
    stripe_event = old.get_model("booking", "StripeEvent")
    stripe_event.objects.create(
        event_id="evt_paid", type="payment_intent.succeeded", payment=paid, outcome="confirmed"
    )
    stripe_event.objects.create(event_id="evt_other", type="charge.succeeded", outcome="ignored")
    log = old.get_model("admin", "LogEntry").objects.create(
        user=cashier,
        content_type=payment_type,
        object_id=str(paid.pk),
        object_repr=f"Payment #{paid.pk}",
        action_flag=2,
        change_message="looked at it",
        action_time=timezone.now(),
    )
    return {
        "paid": paid.pk,
        "booking": booking.pk,
        "cashier": cashier.pk,
        "payment_type": payment_type.pk,
        "event_type": types["stripeevent"].pk,
        "log": log.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_payments_events_log_entries_and_permissions_survive_the_move_and_its_undoing():
    before, old = moves.undo_the_move(MOVED_OUT)
    made = paid_for(old)
    old_payments = rows(old.get_model("booking", "Payment"), PAYMENT_COLUMNS)
    old_events = rows(old.get_model("booking", "StripeEvent"), EVENT_COLUMNS)
    assert len(old_payments) == 3 and len(old_events) == 2

    moves.make_the_move(TAKEN_OVER)

    # Every row, every column, as it was.
    assert rows(Payment, PAYMENT_COLUMNS) == old_payments
    assert rows(StripeEvent, EVENT_COLUMNS) == old_events
    paid = Payment.objects.get(pk=made["paid"])
    assert paid.booking == Booking.objects.get(pk=made["booking"])
    assert Booking.objects.get(pk=made["booking"]).payment == paid  # the reverse accessor stays
    assert [e.event_id for e in paid.events.all()] == ["evt_paid"]
    assert Registration.objects.filter(payment__status="refunded").count() == 1
    # The tables are still the booking app's, with their constraints.
    assert Payment._meta.db_table == "booking_payment"
    assert StripeEvent._meta.db_table == "booking_stripeevent"
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=made["paid"]).update(amount_refunded=Decimal("61.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(amount=Decimal("1.00"))  # neither a booking nor a registration
    # Content types are relabelled, not replaced: log entries and permissions follow.
    assert ContentType.objects.get_for_model(Payment).pk == made["payment_type"]
    assert ContentType.objects.get_for_model(StripeEvent).pk == made["event_type"]
    log = LogEntry.objects.get(pk=made["log"])
    assert log.get_edited_object() == paid
    assert log.get_admin_url() == f"/admin/payments/payment/{paid.pk}/change/"
    cashier = User.objects.get(pk=made["cashier"])
    assert cashier.has_perm("payments.view_payment")
    assert cashier.has_perm("payments.view_stripeevent")
    assert not cashier.has_perm("payments.change_payment")

    old = moves.applied_models(moves.migrate(before))
    assert rows(old.get_model("booking", "Payment"), PAYMENT_COLUMNS) == old_payments
    assert rows(old.get_model("booking", "StripeEvent"), EVENT_COLUMNS) == old_events
    assert moves.content_type_labels(old, made["payment_type"], made["event_type"]) == [
        ("booking", "payment"),
        ("booking", "stripeevent"),
    ]
    moves.migrate()
