"""My bookings: upcoming and past, cancel, check-in QR code, and the personal calendar feed."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from booking import rules
from booking.exceptions import BookingNotFoundError
from booking.models import Booking
from booking.selectors import WHEN_PAST, WHEN_UPCOMING, get_booking_for, list_bookings_for
from common.auth import signed_in_user
from events.models import Registration
from events.selectors import list_resident_registrations
from frontend.views.paying import render_pay_page
from venues.policies import policy_for

PAST_LIMIT = 50


def _annotate(bookings: list[Booking], now: dt.datetime) -> list[Booking]:
    for booking in bookings:
        # The rules cancel_booking enforces, not a copy of them: a button is offered, and a
        # cancellation announced as late, exactly when the service would do so.
        policy = policy_for(booking.venue)
        booking.cancel_deadline = rules.cancellation_deadline(  # type: ignore[attr-defined]
            starts_at=booking.starts_at, policy=policy
        )
        booking.cancellable = rules.is_cancellable(  # type: ignore[attr-defined]
            status=booking.status, starts_at=booking.starts_at, now=now
        )
        booking.late = booking.cancellable and rules.is_late_cancellation(  # type: ignore[attr-defined]
            status=booking.status, starts_at=booking.starts_at, policy=policy, now=now
        )
        booking.refund_late = policy.refund_late_cancellation  # type: ignore[attr-defined]
        booking.has_qr = booking.status == Booking.Status.CONFIRMED  # type: ignore[attr-defined]
    return bookings


# Bookings that still take a place; the rest of the upcoming ones go to "Cancelled".
LIVE_BOOKING = (Booking.Status.HELD, Booking.Status.CONFIRMED)


def _registrations(user: object, now: object) -> tuple[list[Registration], list[Registration]]:
    """The resident's registrations for events not over yet: (active, cancelled or expired).

    Active ones carry `position` on the waiting list; a recurring event's registration covers
    every date of the series, which the page says (`series`).
    """
    active: list[Registration] = []
    ended: list[Registration] = []
    for registration in list_resident_registrations(user=user):  # type: ignore[arg-type]
        event = registration.event
        last_end = event.last_ends_at or (None if event.rrule else event.ends_at)
        if last_end is not None and last_end <= now:  # type: ignore[operator]
            continue
        registration.series = bool(event.rrule)  # type: ignore[attr-defined]
        if registration.status in Registration.ACTIVE_STATUSES:
            active.append(registration)
        else:
            ended.append(registration)
    return active, ended


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    """Everything the resident has reserved, in one place (Varaamo's "My reservations").

    Sections, each its own include in my_bookings.html: upcoming bookings, event registrations
    (with waiting-list positions), the calendar link, cancelled ones, and the latest past ones.
    """
    now = timezone.now()
    user = signed_in_user(request)
    coming = list(list_bookings_for(user=user, when=WHEN_UPCOMING, now=now))
    upcoming = [b for b in coming if b.status in LIVE_BOOKING]
    cancelled = [b for b in coming if b.status not in LIVE_BOOKING]
    past = list(list_bookings_for(user=user, when=WHEN_PAST, now=now)[:PAST_LIMIT])
    registrations, cancelled_registrations = _registrations(user, now)
    return render(
        request,
        "frontend/my_bookings.html",
        {
            "nav": "bookings",
            "upcoming": _annotate(upcoming, now),
            "cancelled": _annotate(cancelled, now),
            "past": _annotate(past, now),
            "registrations": registrations,
            "cancelled_registrations": cancelled_registrations,
            "page_config": {
                "bookings_url": "/api/v1/bookings/",
                "calendar_url": "/api/v1/me/calendar/",
                "rotate_url": "/api/v1/me/calendar/rotate/",
                "registration_cancel_url": "/api/v1/registrations/{id}/cancel/",
            },
        },
    )


@login_required
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """The pay page of a held booking (the API's `payment_url`); pay.js talks to the API."""
    try:
        booking = get_booking_for(user=signed_in_user(request), booking_id=pk)
    except BookingNotFoundError as exc:
        raise Http404(str(exc)) from exc
    if booking.resident_id != request.user.pk:
        raise Http404()
    return render_pay_page(request, booking, back_url="/me/bookings/")
