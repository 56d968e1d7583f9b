"""The event calendar (month and list views) and event pages with registration."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from booking import rules
from common.auth import signed_in_user
from common.urls import absolute_url, webcal_url
from events.exceptions import EventNotFoundError
from events.models import Event
from events.recurrence import exdates_as_datetimes, occurrences_between
from events.selectors import get_event, get_own_registration, list_event_venues, list_events
from frontend.calendar_month import month_weeks, shift_month
from frontend.views.params import parse_id, parse_month
from frontend.views.paying import render_pay_page

LIST_DAYS = 60


@dataclass
class Occurrence:
    event: Event
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def local_day(self) -> dt.date:
        return rules.local_date(self.starts_at)


def _occurrences(events: Any, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    found: list[Occurrence] = []
    for event in events:
        for starts_at, ends_at in occurrences_between(
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            rrule_text=event.rrule,
            exdates=exdates_as_datetimes(event.exdates or []),
            after=start,
            before=end,
        ):
            found.append(Occurrence(event=event, starts_at=starts_at, ends_at=ends_at))
    found.sort(key=lambda o: (o.starts_at, o.event.pk))
    return found


def _feed_links(request: HttpRequest, path: str) -> dict[str, str]:
    # Like the API's `calendar` links: under SITE_URL when set (subscribers keep the URL for
    # years), else under the scheme and host:port this page was reached on (common/urls.py).
    url = absolute_url(path, request)
    return {"url": url, "scheme": url.split("://", 1)[0], "webcal": webcal_url(url)}


def calendar(request: HttpRequest) -> HttpResponse:
    """Events of a month (a grid of weeks) or of the next weeks (a list), with filters."""
    now = timezone.now()
    today = rules.local_date(now)
    view = "list" if request.GET.get("view") == "list" else "month"
    year, month = parse_month(request.GET.get("month"), (today.year, today.month))
    category = request.GET.get("category", "")
    if category not in Event.Category.values:
        category = ""
    venues = list(list_event_venues())
    venue_id = parse_id(request.GET.get("venue"))
    if venue_id not in {v.pk for v in venues}:
        venue_id = None
    tz = rules.local_tz()
    if view == "month":
        first = dt.date(year, month, 1)
        ny, nm = shift_month(year, month, 1)
        start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
        end = dt.datetime.combine(dt.date(ny, nm, 1), dt.time(0), tzinfo=tz)
    else:
        start = dt.datetime.combine(today, dt.time(0), tzinfo=tz)
        end = start + dt.timedelta(days=LIST_DAYS)
    events = list_events(
        viewer=request.user,
        category=category or None,
        venue=venue_id,
        starts_after=start,
        starts_before=end,
    ).exclude(status__in=[Event.Status.DRAFT, Event.Status.PENDING_APPROVAL])
    occurrences = _occurrences(events, start, end)
    feed_query = ""
    if category:
        feed_query = f"?category={category}"
    feed_path = (
        f"/calendar/venues/{venue_id}.ics" if venue_id else f"/calendar/events.ics{feed_query}"
    )
    py, pm = shift_month(year, month, -1)
    ny, nm = shift_month(year, month, 1)
    context = {
        "nav": "events",
        "view": view,
        "month_start": dt.date(year, month, 1),
        "prev_month": f"{py:04d}-{pm:02d}",
        "next_month": f"{ny:04d}-{nm:02d}",
        "this_month": f"{today.year:04d}-{today.month:02d}",
        "weeks": month_weeks(
            year=year, month=month, items=occurrences, today=today, day_of=lambda o: o.local_day
        )
        if view == "month"
        else [],
        "occurrences": occurrences,
        "categories": Event.Category.choices,
        "category": category,
        "venue_choices": [(v.pk, v.name) for v in venues],
        "venue_id": venue_id,
        "feed": _feed_links(request, feed_path),
        "feed_all": _feed_links(request, "/calendar/events.ics"),
    }
    return render(request, "frontend/events.html", context)


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One event: when and where, registration or waiting list, and calendar links."""
    try:
        event = get_event(event_id=pk, viewer=request.user)
    except EventNotFoundError as exc:
        raise Http404(str(exc)) from exc
    now = timezone.now()
    registration = next(iter(getattr(event, "viewer_registrations", [])), None)
    upcoming = _occurrences([event], now, now + dt.timedelta(days=366))[:10]
    registration_open = (
        event.status == Event.Status.PUBLISHED
        and (event.registration_opens_at is None or event.registration_opens_at <= now)
        and (event.registration_closes_at is None or now < event.registration_closes_at)
        and event.ends_at > now
    )
    places_left = (
        None if event.capacity is None else max(event.capacity - event.registered_count, 0)
    )
    english = request.LANGUAGE_CODE.startswith("en")
    context = {
        "nav": "events",
        "event": event,
        "registration": registration,
        "registration_open": registration_open,
        # A paid event without online payment: shown, but not open for registration here.
        "payment_unavailable": event.price > 0 and not settings.STRIPE_ENABLED,
        "places_left": places_left,
        "upcoming": upcoming,
        "description": event.description_en
        if english and event.description_en
        else event.description_zh,
        "location": (event.location_en if english and event.location_en else event.location_zh),
        "feed_category": _feed_links(request, f"/calendar/events.ics?category={event.category}"),
        "feed_venue": _feed_links(request, f"/calendar/venues/{event.venue_id}.ics")
        if event.venue_id
        else None,
        "feed_all": _feed_links(request, "/calendar/events.ics"),
        "page_config": {
            "event": event.pk,
            "registrations_url": f"/api/v1/events/{event.pk}/registrations/",
            "registration_cancel_url": "/api/v1/registrations/{id}/cancel/",
            "my_bookings_url": "/me/bookings/#registrations",
            "authenticated": request.user.is_authenticated,
        },
    }
    return render(request, "frontend/event.html", context)


@login_required
def pay_registration(request: HttpRequest, pk: int) -> HttpResponse:
    """The pay page of a held registration for a paid event (the API's `payment_url`)."""
    registration = get_own_registration(user=signed_in_user(request), registration_id=pk)
    if registration is None:
        raise Http404()
    return render_pay_page(
        request,
        registration,
        back_url=f"/events/{registration.event_id}/",
        back_label=registration.event.title,
    )
