"""Signals the booking app sends after a commit, for apps that depend on it (booking imports none
of them). Each is sent with `sender=Booking` and the booking as `booking=`."""

from django.dispatch import Signal

# A held (paid) booking was placed and committed; its payment starts now (payments app).
booking_held = Signal()
# A booking was cancelled and the cancellation committed (once per booking); its payment is
# settled now: an unpaid intent canceled, a paid booking refunded (payments app).
booking_cancelled = Signal()
