"""Staff pages: the day's bookings of a venue, check-in by code or from the list, no-shows and
strike waivers (all through /api/v1), and CSV exports of bookings and usage."""

import datetime as dt
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import rules
from booking.models import Booking
from booking.selectors import is_venue_staff, list_usage_by_day, list_venue_bookings_between
from booking.standing import can_mark_no_show
from checkin.codes import checkin_code_for, checkin_window_of
from checkin.services import checkin_refusal
from common.auth import signed_in_user
from common.csv import csv_line
from frontend import roles
from frontend.views.params import parse_day
from venues.exceptions import VenueNotFoundError
from venues.models import Venue
from venues.selectors import get_active_venue

MAX_EXPORT_DAYS = 366


def _venue_for_staff(request: HttpRequest, pk: int) -> Venue:
    try:
        venue = get_active_venue(venue_id=pk)
    except VenueNotFoundError as exc:
        raise Http404(str(exc)) from exc
    if not is_venue_staff(user=request.user, venue_id=venue.pk):
        raise PermissionDenied(_("You are not on the staff of this venue."))
    return venue


def _day(request: HttpRequest, name: str, default: dt.date) -> dt.date:
    return parse_day(request.GET.get(name), default)[0]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Pick one of the user's venues (straight to it when there is only one)."""
    venues = list(roles.staffed_venues(request.user).order_by("id"))
    if not venues:
        raise PermissionDenied(_("You are not on the staff of any venue."))
    if len(venues) == 1:
        return redirect("frontend:staff-venue", pk=venues[0].pk)
    return render(request, "frontend/staff/index.html", {"nav": "staff", "venues": venues})


@login_required
def venue_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The bookings of one venue on one day (today by default), in start order."""
    venue = _venue_for_staff(request, pk)
    now = timezone.now()
    today = rules.local_date(now)
    day = _day(request, "day", today)
    start, end = rules.day_bounds(day)
    bookings = list(
        list_venue_bookings_between(
            user=signed_in_user(request), venue_id=venue.pk, start=start, end=end
        )
    )
    for booking in bookings:
        # Each action is offered only while the service behind it would accept it, by the
        # service's own rule. Check-in from the list sends the same signed code the resident's
        # QR carries, through the same /api/v1/checkins/ path as a scan.
        refusal = checkin_refusal(booking=booking, now=now)
        booking.staff_code = (  # type: ignore[attr-defined]
            checkin_code_for(booking) if refusal is None else ""
        )
        booking.checkin_opens_at = (  # type: ignore[attr-defined]
            checkin_window_of(booking)[0] if refusal == "too_early" else None
        )
        booking.can_mark_no_show = can_mark_no_show(booking=booking, now=now)  # type: ignore[attr-defined]
    counts = {
        status: sum(1 for b in bookings if b.status == status) for status in Booking.Status.values
    }
    return render(
        request,
        "frontend/staff/venue_day.html",
        {
            "nav": "staff",
            "venue": venue,
            "day": day,
            "today": today,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "bookings": bookings,
            "counts": counts,
            "other_venues": roles.staffed_venues(request.user).exclude(pk=venue.pk),
            "page_config": {
                "checkins_url": "/api/v1/checkins/",
                "bookings_url": "/api/v1/bookings/",
                "strikes_url": "/api/v1/strikes/",
            },
        },
    )


def _range(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = rules.local_date(timezone.now())
    first = _day(request, "from", today)
    last = _day(request, "to", first)
    if last < first:
        first, last = last, first
    last = min(last, first + dt.timedelta(days=MAX_EXPORT_DAYS - 1))
    return first, last


def _csv_response(rows: Iterable[list[object]], filename: str) -> StreamingHttpResponse:
    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that spreadsheet programs read the Chinese names as UTF-8
        for row in rows:
            # csv_line defuses cells a spreadsheet would run as formulas (a resident's name).
            yield csv_line(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export_bookings(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every booking of the venue starting between ?from= and ?to= (inclusive local days)."""
    venue = _venue_for_staff(request, pk)
    first, last = _range(request)
    start = rules.day_bounds(first)[0]
    end = rules.day_bounds(last)[1]
    bookings = list_venue_bookings_between(
        user=signed_in_user(request), venue_id=venue.pk, start=start, end=end
    )
    tz = rules.local_tz()

    def rows() -> Iterator[list[object]]:
        yield [
            "booking_id",
            "resource",
            "starts_at",
            "ends_at",
            "resident",
            "party_size",
            "status",
            "price",
            "late_cancellation",
            "checked_in_at",
            "created_at",
        ]
        for b in bookings.iterator(chunk_size=1000):
            yield [
                b.pk,
                b.resource.name_zh,
                b.starts_at.astimezone(tz).isoformat(),
                b.ends_at.astimezone(tz).isoformat(),
                b.resident.get_username(),
                b.party_size,
                b.status,
                b.price,
                "yes" if b.late_cancellation else "",
                b.checked_in_at.astimezone(tz).isoformat() if b.checked_in_at else "",
                b.created_at.astimezone(tz).isoformat(),
            ]

    return _csv_response(rows(), f"bookings-{venue.slug}-{first}-{last}.csv")


@login_required
def export_usage(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Per day and resource: slots, places, places booked, check-ins, no-shows, cancellations."""
    venue = _venue_for_staff(request, pk)
    first, last = _range(request)
    start = rules.day_bounds(first)[0]
    end = rules.day_bounds(last)[1]
    usage = list_usage_by_day(venue_id=venue.pk, start=start, end=end)

    def rows() -> Iterator[list[object]]:
        yield [
            "date",
            "resource",
            "slots",
            "places",
            "places_free",
            "bookings",
            "people",
            "checked_in",
            "no_shows",
            "cancelled",
            "late_cancellations",
        ]
        for row in usage:
            yield [
                row.day.isoformat(),
                row.resource,
                row.slots,
                row.places,
                row.free,
                row.bookings,
                row.people,
                row.checked_in,
                row.no_shows,
                row.cancelled,
                row.late_cancellations,
            ]

    return _csv_response(rows(), f"usage-{venue.slug}-{first}-{last}.csv")
