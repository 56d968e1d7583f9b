"""Reads of the checkin app: who may scan codes, and how many people are inside now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, Sum
from django.utils import timezone

from booking.models import Booking, Slot


def is_any_venue_staff(user: AbstractBaseUser) -> bool:
    """Whether a user may scan codes at all (staff of some venue, or a district admin)."""
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    return bool(user.staffed_venues.exists())  # type: ignore[attr-defined]


def get_live_occupancy(*, venue_id: int, now: dt.datetime | None = None) -> int:
    """People checked in for the slots running now at a venue (a smart gym's live count)."""
    now = now or timezone.now()
    total = Booking.objects.filter(
        venue_id=venue_id,
        status=Booking.Status.CHECKED_IN,
        starts_at__lte=now,
        ends_at__gt=now,
    ).aggregate(people=Sum("party_size"))["people"]
    return int(total or 0)


@dataclass(frozen=True)
class Occupancy:
    present: int
    capacity: int


def list_occupancy(*, venue_ids: list[int], now: dt.datetime) -> dict[int, Occupancy]:
    """People checked in to the slots running now, against those slots' capacity, per venue
    (venues with no open slot running now are left out). Two queries for any number of venues."""
    if not venue_ids:
        return {}
    capacity = {
        row["venue_id"]: row["capacity"] or 0
        for row in Slot.objects.open()
        .filter(venue_id__in=venue_ids, starts_at__lte=now, ends_at__gt=now)
        .values("venue_id")
        .annotate(capacity=Sum("capacity"))
    }
    present: dict[int, int] = {
        row["venue_id"]: row["n"] or 0
        for row in Booking.objects.filter(
            venue_id__in=list(capacity), starts_at__lte=now, ends_at__gt=now
        )
        .values("venue_id")
        .annotate(n=Sum("party_size", filter=Q(status=Booking.Status.CHECKED_IN)))
    }
    return {
        venue_id: Occupancy(present=present.get(venue_id, 0), capacity=cap)
        for venue_id, cap in capacity.items()
        if cap
    }
