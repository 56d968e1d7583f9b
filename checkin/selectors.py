"""Reads of the checkin app: who may scan codes, and how many people are inside now."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Sum
from django.utils import timezone

from booking.models import Booking


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
