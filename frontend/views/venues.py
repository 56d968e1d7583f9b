"""Find a venue, and the venue page with its one-click booking grid."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from booking import rules
from booking.availability import get_availability, get_free_places_by_venue, list_venues_free_on
from booking.selectors import list_booked_slot_ids
from checkin.selectors import list_occupancy
from frontend.grid import build_grid
from frontend.maps import MapLink, map_links
from frontend.templatetags.frontend import street_name
from frontend.views.params import clean_text, parse_day
from venues.exceptions import VenueNotFoundError
from venues.models import Venue
from venues.policies import policy_for
from venues.selectors import get_venue, list_sports, list_streets, list_venues

# Days after today the home page looks at for free places when today has none left.
NEXT_FREE_DAY_LOOKAHEAD = 7

# Labels of the amenity codes stored in Venue.amenities; an unknown code is shown as written.
AMENITY_LABELS = {
    "accessible_toilet": gettext_lazy("Accessible toilet"),
    "air_conditioning": gettext_lazy("Air conditioning"),
    "changing_rooms": gettext_lazy("Changing rooms"),
    "drinking_water": gettext_lazy("Drinking water"),
    "floodlights": gettext_lazy("Floodlights"),
    "gaming_pcs": gettext_lazy("Gaming PCs"),
    "lifeguards": gettext_lazy("Lifeguards"),
    "lockers": gettext_lazy("Lockers"),
    "outdoor": gettext_lazy("Outdoors"),
    "parking": gettext_lazy("Parking"),
    "qr_entry": gettext_lazy("QR code entry"),
    "showers": gettext_lazy("Showers"),
    "streaming": gettext_lazy("Live streaming"),
}


def amenity_labels(codes: list[Any] | None) -> list[str]:
    """The amenities' names in the active language."""
    return [str(AMENITY_LABELS.get(str(code), str(code))) for code in (codes or [])]


def venue_map_links(venue: Venue) -> list[MapLink]:
    """Map links for the venue, or none without coordinates."""
    if venue.latitude is None or venue.longitude is None:
        return []
    labels = {
        "amap": _("Amap (高德地图)"),
        "baidu": _("Baidu Maps (百度地图)"),
        "tencent": _("Tencent Maps (腾讯地图)"),
        "osm": _("OpenStreetMap"),
        "geo": _("Open in a map app"),
    }
    return map_links(
        latitude=venue.latitude, longitude=venue.longitude, name=venue.name, labels=labels
    )


def home(request: HttpRequest) -> HttpResponse:
    """Search venues by sport, kind, area and day; show each venue's free places that day."""
    now = timezone.now()
    today = rules.local_date(now)
    day, day_ok = parse_day(request.GET.get("day"), today)
    errors = [] if day_ok else [_("That is not a valid date; showing today.")]
    kinds = [value for value, _label in Venue.Kind.choices]
    filters: dict[str, Any] = {
        "q": clean_text(request.GET.get("q")),
        "sport": request.GET.get("sport", ""),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in kinds else "",
        "street": clean_text(request.GET.get("street")),
        "free": request.GET.get("free") == "1",
    }
    sports = list(list_sports())
    if filters["sport"] not in {sport.code for sport in sports}:
        filters["sport"] = ""
    venues_qs = list_venues(
        kind=filters["kind"] or None,
        sport=filters["sport"] or None,
        q=filters["q"] or None,
        street=filters["street"] or None,
    ).select_related("policy")
    if filters["free"]:
        venues_qs = list_venues_free_on(venues=venues_qs, day=day, now=now)
    venues = list(venues_qs)
    free = get_free_places_by_venue(venues=venues, day=day, now=now)
    notices = []
    if "day" not in request.GET and venues and not any(free.values()):
        # Late in the evening (or on a full day) today has nothing left: show the next day that
        # has free places, within the booking window, and say so.
        for ahead in range(1, NEXT_FREE_DAY_LOOKAHEAD + 1):
            later = today + dt.timedelta(days=ahead)
            later_free = get_free_places_by_venue(venues=venues, day=later, now=now)
            if any(later_free.values()):
                notices.append(
                    _("No free places are left today: showing %(day)s, the next day with some.")
                    % {"day": f"{later:%Y-%m-%d}"}
                )
                day, free = later, later_free
                break
    occupancy = list_occupancy(
        venue_ids=[v.pk for v in venues if v.kind == Venue.Kind.SMART_GYM], now=now
    )
    for venue in venues:
        venue.free_places = free.get(venue.pk, 0)  # type: ignore[attr-defined]
        venue.occupancy = occupancy.get(venue.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "frontend/home.html",
        {
            "nav": "venues",
            "venues": venues,
            "filters": filters,
            "sport_choices": [(sport.code, sport.name) for sport in sports],
            "kinds": Venue.Kind.choices,
            "street_choices": [(street, street_name(street)) for street in list_streets()],
            "day": day,
            "today": today,
            "errors": errors,
            "notices": notices,
        },
    )


def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The venue, its rules and the day's availability grid (rendered here, refreshed by JS)."""
    try:
        venue = get_venue(venue_id=pk)
    except VenueNotFoundError as exc:
        raise Http404(str(exc)) from exc
    now = timezone.now()
    today = rules.local_date(now)
    day, _ok = parse_day(request.GET.get("day"), today)
    policy = policy_for(venue)
    availability = get_availability(venue=venue, date=day, days=1, now=now)
    mine: frozenset[int] = frozenset()
    if request.user.is_authenticated:
        day_start, day_end = rules.day_bounds(day)
        mine = list_booked_slot_ids(
            user=request.user, venue_id=venue.pk, start=day_start, end=day_end
        )
    grid = build_grid(availability, day=day, my_slot_ids=mine)
    monday = day - dt.timedelta(days=day.weekday())
    week = [monday + dt.timedelta(days=i) for i in range(7)]
    prev_monday = monday - dt.timedelta(days=7)
    is_gym = venue.kind == Venue.Kind.SMART_GYM
    english = (get_language() or "").startswith("en")
    occupancy = list_occupancy(venue_ids=[venue.pk], now=now).get(venue.pk) if is_gym else None
    context = {
        "nav": "venues",
        "venue": venue,
        "policy": policy,
        "grid": grid,
        "day": day,
        "today": today,
        "week": week,
        "prev_week": prev_monday if monday > today else None,
        "next_week": monday + dt.timedelta(days=7),
        "is_gym": is_gym,
        "occupancy": occupancy,
        "address": (venue.address_en if english and venue.address_en else venue.address_zh),
        "description": (
            venue.description_en if english and venue.description_en else venue.description_zh
        ),
        "amenities": amenity_labels(venue.amenities),
        "map_links": venue_map_links(venue),
        "page_config": {
            "venue": venue.pk,
            "day": day.isoformat(),
            "authenticated": request.user.is_authenticated,
            # Paths of the API contract (design.md), fixed whatever the API's route names.
            "availability_url": f"/api/v1/venues/{venue.pk}/availability/"
            f"?date={day.isoformat()}&days=1",
            "bookings_url": "/api/v1/bookings/",
            "login_url": reverse("frontend:login"),
            "my_bookings_url": reverse("frontend:my-bookings"),
            "my_slot_ids": sorted(mine),
        },
    }
    return render(request, "frontend/venue.html", context)
