"""Page-only reads that no API resource answers: per-venue free places on a day and smart-gym
occupancy for the venue list. Read-only, a fixed number of queries for any number of venues."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum

from booking import rules
from booking.availability import online_payment_available
from booking.models import Booking, Slot
from venues.models import Venue


@dataclass(frozen=True)
class Occupancy:
    present: int
    capacity: int


def free_places_on(*, venues: list[Venue], day: dt.date, now: dt.datetime) -> dict[int, int]:
    """Free places per venue on `day` in slots that have not started and whose window is open
    (paid ones only while online payment is available)."""
    day_start, day_end = rules.day_bounds(day)
    open_ids = [
        venue.pk
        for venue in venues
        if rules.booking_opens_at(starts_at=day_start, policy=getattr(venue, "policy", None)) <= now
    ]
    if not open_ids:
        return {}
    slots = Slot.objects.filter(
        venue_id__in=open_ids,
        resource__is_active=True,
        is_closed=False,
        remaining__gt=0,
        starts_at__gte=max(day_start, now),
        starts_at__lt=day_end,
    )
    if not online_payment_available():
        slots = slots.filter(price=0)  # paid places cannot be booked online (payment_unavailable)
    rows = slots.values("venue_id").annotate(free=Sum("remaining"))
    return {row["venue_id"]: row["free"] for row in rows}


def occupancy_now(*, venue_ids: list[int], now: dt.datetime) -> dict[int, Occupancy]:
    """People checked in to the slot running now, against that slot's capacity, per venue."""
    if not venue_ids:
        return {}
    capacity = {
        row["venue_id"]: row["capacity"] or 0
        for row in Slot.objects.filter(
            venue_id__in=venue_ids, starts_at__lte=now, ends_at__gt=now, is_closed=False
        )
        .values("venue_id")
        .annotate(capacity=Sum("capacity"))
    }
    present: dict[Any, int] = {
        row["venue_id"]: row["n"] or 0
        for row in Booking.objects.filter(
            venue_id__in=list(capacity),
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .values("venue_id")
        .annotate(n=Sum("party_size", filter=Q(status=Booking.Status.CHECKED_IN)))
    }
    return {
        venue_id: Occupancy(present=present.get(venue_id, 0), capacity=cap)
        for venue_id, cap in capacity.items()
        if cap
    }
