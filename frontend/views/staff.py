"""Staff pages: the day's bookings of a venue, check-in by code or from the list, no-shows and
strike waivers (all through /api/v1), and CSV exports of bookings and usage."""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import rules
from booking.models import Booking
from booking.selectors import (
    UsageRow,
    is_venue_staff,
    list_usage_by_day,
    list_venue_bookings_between,
)
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


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(rules.local_tz()).isoformat()


# A CSV export's columns: each one's header and its cell for one row.
BOOKING_COLUMNS: list[tuple[str, Callable[[Booking], object]]] = [
    ("booking_id", lambda b: b.pk),
    ("resource", lambda b: b.resource.name_zh),
    ("starts_at", lambda b: _local(b.starts_at)),
    ("ends_at", lambda b: _local(b.ends_at)),
    ("resident", lambda b: b.resident.get_username()),
    ("party_size", lambda b: b.party_size),
    ("status", lambda b: b.status),
    ("price", lambda b: b.price),
    ("late_cancellation", lambda b: "yes" if b.late_cancellation else ""),
    ("checked_in_at", lambda b: _local(b.checked_in_at) if b.checked_in_at else ""),
    ("created_at", lambda b: _local(b.created_at)),
]
USAGE_COLUMNS: list[tuple[str, Callable[[UsageRow], object]]] = [
    ("date", lambda row: row.day.isoformat()),
    ("resource", lambda row: row.resource),
    ("slots", lambda row: row.slots),
    ("places", lambda row: row.places),
    ("places_free", lambda row: row.free),
    ("bookings", lambda row: row.bookings),
    ("people", lambda row: row.people),
    ("checked_in", lambda row: row.checked_in),
    ("no_shows", lambda row: row.no_shows),
    ("cancelled", lambda row: row.cancelled),
    ("late_cancellations", lambda row: row.late_cancellations),
]


def _export[Row](
    request: HttpRequest,
    pk: int,
    kind: str,
    columns: list[tuple[str, Callable[[Row], object]]],
    rows_of: Callable[[Venue, dt.datetime, dt.datetime], Iterable[Row]],
) -> StreamingHttpResponse:
    """Stream `kind`-<venue>-<from>-<to>.csv of a venue the user staffs: the header, then the
    `columns` of each of rows_of(venue, start, end) for the local days ?from= to ?to=."""
    venue = _venue_for_staff(request, pk)
    first, last = _range(request)
    rows = rows_of(venue, rules.day_bounds(first)[0], rules.day_bounds(last)[1])

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that spreadsheet programs read the Chinese names as UTF-8
        yield csv_line([name for name, _cell in columns])
        for row in rows:
            # csv_line defuses cells a spreadsheet would run as formulas (a resident's name).
            yield csv_line([cell(row) for _name, cell in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{kind}-{venue.slug}-{first}-{last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export_bookings(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every booking of the venue starting between ?from= and ?to= (inclusive local days)."""
    user = signed_in_user(request)

    def bookings(venue: Venue, start: dt.datetime, end: dt.datetime) -> Iterator[Booking]:
        found = list_venue_bookings_between(user=user, venue_id=venue.pk, start=start, end=end)
        return found.iterator(chunk_size=1000)

    return _export(request, pk, "bookings", BOOKING_COLUMNS, bookings)


@login_required
def export_usage(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Per day and resource: slots, places, places booked, check-ins, no-shows, cancellations."""

    def usage(venue: Venue, start: dt.datetime, end: dt.datetime) -> list[UsageRow]:
        return list_usage_by_day(venue_id=venue.pk, start=start, end=end)

    return _export(request, pk, "usage", USAGE_COLUMNS, usage)
