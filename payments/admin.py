"""Admin for payments and Stripe webhook events: records, read-only (a payment changed here
would bypass the state machine that keeps it consistent with its booking or registration)."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from payments.models import Payment, StripeEvent


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
