"""Reads of the booking app: who may see which bookings."""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from booking.exceptions import BookingNotFoundError
from booking.models import Booking, BookingQuerySet

WHEN_UPCOMING = "upcoming"
WHEN_PAST = "past"


def is_venue_staff(*, user: AbstractBaseUser | AnonymousUser, venue_id: int) -> bool:
    """Whether the user works at the venue; district admins (`is_staff`) count for every venue."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    return user.staffed_venues.filter(pk=venue_id).exists()  # type: ignore[union-attr]


def _with_relations(queryset: BookingQuerySet) -> BookingQuerySet:
    # Everything a booking's JSON shows, in the same query: no N+1 on a list page.
    return queryset.select_related("resource", "venue__policy")


def list_bookings_for(
    *,
    user: AbstractBaseUser,
    venue_id: int | None = None,
    status: str | None = None,
    when: str | None = None,
    now: dt.datetime | None = None,
) -> BookingQuerySet:
    """The bookings a user may list.

    Residents only ever see their own; `venue_id` narrows them to one venue. Staff of that venue
    (and district admins) see every booking of it. `status` is one of `Booking.Status`; `when`
    is "upcoming" (not yet ended, soonest first) or "past" (ended, latest first); without it,
    latest start first.
    """
    queryset = Booking.objects.all()
    if venue_id is not None and is_venue_staff(user=user, venue_id=venue_id):
        queryset = queryset.filter(venue_id=venue_id)
    else:
        queryset = queryset.filter(resident_id=user.pk)
        if venue_id is not None:
            queryset = queryset.filter(venue_id=venue_id)
    if status:
        queryset = queryset.filter(status=status)
    now = now or timezone.now()
    if when == WHEN_UPCOMING:
        queryset = queryset.filter(ends_at__gt=now).order_by("starts_at", "id")
    elif when == WHEN_PAST:
        queryset = queryset.filter(ends_at__lte=now).order_by("-starts_at", "-id")
    else:
        queryset = queryset.order_by("-starts_at", "-id")
    return _with_relations(queryset)


def get_booking_for(*, user: AbstractBaseUser, booking_id: int) -> Booking:
    """One booking the user may see: their own, or any of a venue they staff.

    Raises BookingNotFoundError for a missing booking and for one the user may not see alike,
    so that ids of other residents' bookings reveal nothing.
    """
    try:
        booking = _with_relations(Booking.objects.all()).get(pk=booking_id)
    except Booking.DoesNotExist as exc:
        raise BookingNotFoundError() from exc
    if booking.resident_id != user.pk and not is_venue_staff(user=user, venue_id=booking.venue_id):
        raise BookingNotFoundError()
    return booking
