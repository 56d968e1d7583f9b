"""What the generator cannot tell from the views: operations' names, summaries, descriptions,
tags, and the error codes each can give where fewer than every code of a status."""

from __future__ import annotations

# Where an operation can give fewer codes than every code of a status. Keys are operationIds.
OPERATION_CODES: dict[str, dict[int, list[str]]] = {
    "bookings_create": {
        400: ["invalid", "malformed_request", "invalid_party_size", "invalid_idempotency_key"],
        403: ["suspended", "permission_denied"],
        404: ["slot_not_found"],
        409: [
            "slot_unavailable",
            "slot_taken",
            "slot_full",
            "already_booked",
            "waitlist_first",
            "busy",
        ],
        422: [
            "party_too_large",
            "closed",
            "past",
            "window_not_open",
            "quota_exceeded",
            "payment_unavailable",
            "ballot",
            "idempotency_key_reused",
        ],
    },
    "bookings_cancel": {404: ["booking_not_found"], 409: ["not_cancellable", "busy"]},
    "bookings_retrieve": {404: ["booking_not_found"]},
    "auth_token_create": {
        400: ["invalid", "malformed_request"],
        429: ["login_locked", "throttled"],
    },
}

SUMMARIES: dict[str, str] = {
    "auth_token_create": "Sign in: exchange a password for an API token",
    "auth_token_destroy": "Revoke the calling token",
    "auth_token_revoke_all": "Sign out everywhere",
    "bookings_list": "List my bookings",
    "bookings_create": "Book a slot in one click",
    "bookings_retrieve": "Get a booking",
    "bookings_cancel": "Cancel a booking",
    "bookings_no_show": "Mark a booking as a no-show (venue staff)",
    "bookings_pay": "Start paying for a held booking",
    "bookings_payment": "Get a booking's payment",
    "bookings_qr_png": "Get a booking's check-in QR code (PNG)",
    "bookings_qr_svg": "Get a booking's check-in QR code (SVG)",
    "checkins_create": "Check a booking in at the gate",
    "checkins_public_key": "Get the public key that signs check-in codes",
    "events_list": "List events",
    "events_create": "Create an event",
    "events_retrieve": "Get an event",
    "events_partial_update": "Change an event",
    "events_approve": "Approve an event (district admin)",
    "events_cancel": "Cancel an event",
    "events_postpone": "Postpone an event",
    "events_publish": "Publish an event",
    "events_registrations_list": "List an event's registrations (organisers)",
    "events_registrations_create": "Register for an event",
    "me_calendar": "Get my personal calendar feed's URL",
    "me_calendar_rotate": "Replace my personal calendar feed's URL",
    "me_standing": "Get my standing (strikes, suspension)",
    "payments_stripe_webhook": "Receive a Stripe webhook event",
    "registrations_list": "List my registrations",
    "registrations_cancel": "Cancel a registration",
    "registrations_pay": "Start paying for a registration",
    "registrations_payment": "Get a registration's payment",
    "slots_list": "List slots",
    "slots_retrieve": "Get a slot",
    "strikes_waive": "Waive a strike (venue staff)",
    "venues_list": "List venues",
    "venues_retrieve": "Get a venue",
    "venues_availability": "Get a venue's availability by day",
    "health": "Liveness probe",
    "health_ready": "Readiness probe",
    "calendar_events": "iCal feed of public events",
    "calendar_venue": "iCal feed of one venue's public events",
    "calendar_me": "Personal iCal feed (secret URL)",
}

# Descriptions of operations whose views have no docstring of their own.
DESCRIPTIONS: dict[str, str] = {
    "venues_list": "Active venues, filtered by `kind`, `district`, `sport`, `q` and "
    "`available_on` (a date with at least one bookable slot); paginated.",
    "venues_retrieve": "One active venue with its resources, booking policy, opening hours "
    "and price range.",
    "venues_availability": "The venue's resources and their slots for `days` days from "
    "`date`; each slot says whether it is `bookable` and, if not, the `reason`.",
    "slots_list": "Slots filtered by `venue`, `resource`, `date` and `available`; paginated.",
    "slots_retrieve": "One slot with its remaining places, price and bookability.",
}

# Tags by domain where the first path segment does not say it.
OPERATION_TAGS: dict[str, str] = {
    "bookings_pay": "payments",
    "bookings_payment": "payments",
    "registrations_pay": "payments",
    "registrations_payment": "payments",
    "bookings_qr_png": "checkins",
    "bookings_qr_svg": "checkins",
    "bookings_no_show": "standing",
    "strikes_waive": "standing",
    "me_standing": "standing",
    "me_calendar": "calendar",
    "me_calendar_rotate": "calendar",
    "ballot_entries_list": "ballots",
    "ballot_entries_retrieve": "ballots",
    "ballot_entries_update": "ballots",
    "ballot_entries_withdraw": "ballots",
    "slots_waitlist_create": "waitlist",
}

TAGS = [
    {"name": "auth", "description": "API tokens: sign in, revoke, sign out everywhere."},
    {"name": "venues", "description": "Public sports venues, their resources and availability."},
    {"name": "slots", "description": "Bookable time slots of a venue's resources."},
    {"name": "bookings", "description": "One-click bookings of slots: book, list, cancel."},
    {"name": "payments", "description": "Paying for held bookings and registrations (Stripe)."},
    {"name": "checkins", "description": "Check-in codes and the gates that scan them."},
    {"name": "standing", "description": "No-shows, strikes and suspensions."},
    {"name": "events", "description": "The public event calendar: events and their lifecycle."},
    {"name": "registrations", "description": "Registrations for events."},
    {"name": "ballots", "description": "Ballots for peak slots: rounds, entries, draws, results."},
    {
        "name": "waitlist",
        "description": "Waiting lists of full slots and their time-limited offers.",
    },
    {"name": "calendar", "description": "iCal feeds (RFC 5545) and the personal feed's URL."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

# The apps whose errors an operation of a tag can give (api/error_codes.py), besides the
# generic codes every operation may give.
TAG_APPS: dict[str, set[str]] = {
    "auth": {"auth"},
    "venues": {"venues", "booking"},
    "slots": {"venues", "booking"},
    "bookings": {"booking"},
    "payments": {"booking", "payments", "events"},
    "checkins": {"checkin", "booking"},
    "standing": {"booking"},
    "events": {"events"},
    "registrations": {"events"},
    "calendar": {"events"},
    "health": set(),
}

# Renamed operations: the names a generated client's functions get.
OPERATION_IDS = {
    "v1_bookings_retrieve": "bookings_retrieve",
    "v1_bookings_cancel_create": "bookings_cancel",
    "v1_events_approve_create": "events_approve",
    "v1_events_cancel_create": "events_cancel",
    "v1_events_postpone_create": "events_postpone",
    "v1_events_publish_create": "events_publish",
    "v1_registrations_cancel_create": "registrations_cancel",
    "v1_slots_list": "slots_list",
    "v1_slots_retrieve": "slots_retrieve",
    "v1_venues_list": "venues_list",
    "v1_venues_retrieve": "venues_retrieve",
    "v1_venues_availability_retrieve": "venues_availability",
    "bookings_cancel_create": "bookings_cancel",
    "events_approve_create": "events_approve",
    "events_cancel_create": "events_cancel",
    "events_postpone_create": "events_postpone",
    "events_publish_create": "events_publish",
    "registrations_cancel_create": "registrations_cancel",
    "venues_availability_retrieve": "venues_availability",
}
