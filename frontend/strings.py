"""Strings the pages' JavaScript shows, translated on the server (one gettext domain).

Error messages are keyed by the API's stable error `code`; api.js fills in the error's own
context (`opens_at`, `suspended_until`, `max`).
"""

from django.utils.translation import gettext as _


def js_strings() -> dict[str, str]:
    return {
        "error.generic": _("Something went wrong. Please try again."),
        "error.network": _("No connection to the server. Check your network and try again."),
        "error.not_authenticated": _("Please sign in to book."),
        "error.authentication_failed": _("Please sign in again."),
        "error.permission_denied": _("You are not allowed to do this."),
        "error.not_allowed": _("You are not allowed to do this."),
        "error.slot_full": _("Sorry, this slot is full: no places are left."),
        "error.slot_taken": _("Sorry, someone else has just booked this slot."),
        "error.slot_unavailable": _("This slot is no longer available."),
        "error.slot_not_found": _("This slot no longer exists. Reload the page."),
        "error.already_booked": _("You already have a booking for this slot."),
        "error.quota_exceeded": _("You have reached your booking limit at this venue."),
        "error.quota_exceeded.per_day": _(
            "Limit reached: at most {max} bookings per day at this venue."
        ),
        "error.quota_exceeded.per_week": _(
            "Limit reached: at most {max} bookings per week at this venue."
        ),
        "error.quota_exceeded.hours_per_day": _(
            "Limit reached: at most {max} hours per day at this venue."
        ),
        "error.window_not_open": _("Booking for this slot has not opened yet."),
        "error.window_not_open_at": _(
            "Booking for this slot has not opened yet. It opens at {time}."
        ),
        "error.suspended": _("Your booking rights are suspended."),
        "error.suspended_until": _(
            "Your booking rights are suspended until {time} because of no-shows or late cancellations."
        ),
        "error.past": _("This slot has already started."),
        "error.closed": _("The venue is closed at this time."),
        "error.party_too_large": _("The party is larger than this slot allows."),
        "error.payment_unavailable": _(
            "Paid slots cannot be booked online right now; please book at the front desk."
        ),
        "error.busy": _("Many people are booking right now. Please try again in a moment."),
        "error.in_progress": _("Your booking is still being processed…"),
        "error.throttled": _("Too many attempts. Please wait a moment."),
        "error.throttled_wait": _("Too many attempts. Please wait {seconds} seconds."),
        "error.not_cancellable": _("This booking can no longer be cancelled."),
        "error.booking_not_found": _("This booking does not exist."),
        "error.invalid": _("Please check the highlighted fields."),
        "error.registration_closed": _("Registration for this event is closed."),
        "error.event_full": _("This event is full."),
        "error.already_registered": _("You are already registered for this event."),
        "error.invalid_code": _("This check-in code is not valid."),
        "booking.booking": _("Booking…"),
        "booking.booked": _("Booked! {resource}, {time}. See it in My bookings."),
        "booking.held": _("Slot held until {time}. Complete the payment to confirm it."),
        "booking.pay_now": _("Pay now"),
        "pay.done": _("Paid: your booking is confirmed."),
        "pay.failed": _("The payment did not go through. Try another payment method."),
        "booking.mine": _("Yours"),
        "booking.taken": _("Taken"),
        "booking.full": _("Full"),
        "booking.book": _("Book"),
        "booking.free": _("Free"),
        "booking.left": _("{n} left"),
        "booking.sign_in": _("Sign in"),
        "slot.public_benefit": _("Public-benefit"),
        "slot.aria": _("Book {resource}, {time}"),
        "slot.opens": _("Opens"),
        "slot.ballot": _("Ballot"),
        "slot.closed": _("Closed"),
        "slot.no_payment": _("Online payment unavailable"),
        "nav.my_bookings": _("My bookings"),
        "cancel.confirm": _("Cancel this booking?"),
        "cancel.confirm_late": _(
            "The free cancellation deadline has passed: cancelling now counts as a late cancellation."
        ),
        "cancel.yes": _("Yes, cancel it"),
        "cancel.keep": _("Keep it"),
        "status.cancelled": _("Cancelled"),
        "cancel.done": _("Booking cancelled."),
        "cancel.done_late": _("Booking cancelled (late cancellation)."),
        "cancel.refund": _(
            "The ¥{amount} you paid is refunded to the card or account you paid with."
        ),
        "feed.rotated": _("A new calendar link was made. The old link no longer works."),
        "feed.copied": _("Link copied."),
        "event.registered": _("You are registered."),
        "event.waitlisted_position": _(
            "The event is full: you are on the waiting list (number {n})."
        ),
        "event.register": _("Register"),
        "event.unregister": _("Cancel my registration"),
        "event.waitlisted": _("The event is full: you are on the waiting list."),
        "event.cancelled_registration": _("Your registration was cancelled."),
        "organiser.saved": _("Event saved."),
        "repeat.once": _("Does not repeat."),
        "repeat.remove": _("Remove"),
        "repeat.remove_date": _("Remove skipped date {date}"),
        "organiser.published": _("Event published."),
        "organiser.submitted": _("Event submitted for approval."),
        "organiser.postponed": _("Event postponed."),
        "organiser.cancelled": _("Event cancelled."),
        "organiser.confirm_cancel": _("Cancel this event? Registered residents will be told."),
        "organiser.click_again": _("Click “Cancel event” again to confirm."),
        "event_status.draft": _("Draft"),
        "event_status.pending_approval": _("Awaiting approval"),
        "event_status.published": _("Published"),
        "event_status.postponed": _("Postponed"),
        "event_status.cancelled": _("Cancelled"),
        "booking_status.held": _("Held (awaiting payment)"),
        "booking_status.confirmed": _("Confirmed"),
        "booking_status.checked_in": _("Checked in"),
        "booking_status.cancelled": _("Cancelled"),
        "booking_status.expired": _("Expired"),
        "booking_status.no_show": _("No-show"),
        "checkin_reason.invalid_code": _("the code is not valid"),
        "checkin_reason.wrong_venue": _("the booking is for another venue"),
        "checkin_reason.cancelled": _("the booking was cancelled"),
        "checkin_reason.not_confirmed": _("the booking is not paid yet"),
        "checkin_reason.no_show": _("the booking was marked as a no-show"),
        "checkin_reason.already_used": _("already checked in"),
        "checkin_reason.too_early": _("too early: check-in has not opened yet"),
        "checkin_reason.too_late": _("too late: check-in has closed"),
        "staff.checked_in": _("Checked in: {name}, {time}."),
        "staff.refused": _("Refused: {reason}"),
        "staff.no_show": _("Marked as no-show."),
        "staff.waived": _("Strike waived."),
    }
