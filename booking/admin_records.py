"""Admin for strikes and sent reminders (payments: payments/admin.py; check-ins: checkin/admin.py).

Imported from booking/admin.py. Both are records: read-only.
Strikes are waived through the API (`POST /api/v1/strikes/{id}/waive/`) so that suspensions are
recomputed.
"""

from django.contrib import admin

from booking.models import ReminderSent, Strike
from common.admin import ReadOnlyAdmin


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
