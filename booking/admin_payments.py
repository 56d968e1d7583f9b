"""Admin for payments, Stripe events, strikes and sent notices (check-ins: checkin/admin.py).

Imported from booking/admin.py. Payments, events and notices are records: read-only.
Strikes are waived through the API (`POST /api/v1/strikes/{id}/waive/`) so that suspensions are
recomputed.
"""

from django.contrib import admin

from booking.models import (
    Payment,
    ReminderSent,
    Strike,
    StripeEvent,
)
from common.admin import ReadOnlyAdmin


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "booking",
        "registration",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "refund_reason",
        "stripe_payment_intent_id",
        "created_at",
    ]
    list_filter = ["status", "refund_reason"]
    list_select_related = [
        "booking__resident",
        "booking__slot__resource__venue",
        "registration__resident",
        "registration__event",
    ]
    search_fields = [
        "stripe_payment_intent_id",
        "stripe_refund_id",
        "booking__resident__username",
        "registration__resident__username",
    ]
    exclude = ["stripe_client_secret"]
    date_hierarchy = "created_at"


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "outcome", "payment", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "payment__stripe_payment_intent_id"]
    date_hierarchy = "received_at"


@admin.register(Strike)
class StrikeAdmin(ReadOnlyAdmin):
    list_display = ["id", "resident", "kind", "venue", "booking", "created_at", "waived_at"]
    list_filter = ["kind", "venue"]
    list_select_related = ["resident", "venue"]
    search_fields = ["resident__username", "resident__email"]
    date_hierarchy = "created_at"


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["booking", "kind", "sent_at"]
    list_filter = ["kind"]
