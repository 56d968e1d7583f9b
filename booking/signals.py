"""Signals the booking app sends after a commit, for apps that depend on it (booking imports none
of them; they subscribe in their `AppConfig.ready()`). A flat list: one definition each."""

from django.dispatch import Signal

# A held (paid) booking was placed and committed; its payment starts now (payments app).
# Sent with `sender=Booking` and the booking as `booking=`.
booking_held = Signal()
# A booking was cancelled and the cancellation committed (once per booking); its payment is
# settled now: an unpaid intent canceled, a paid booking refunded (payments app).
# Sent with `sender=Booking` and the booking as `booking=`.
booking_cancelled = Signal()
# Places went back to a slot (a cancellation, an expired or released hold, a released no-show),
# sent with `send_robust` once the give-back committed. Arguments: slot_id (int), count (int:
# places given back). The waiting list offers them.
places_freed = Signal()
