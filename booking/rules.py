"""Pure rules of the booking window and of cancelling, shared by the services that enforce them
and the reads (pages, API) that show them: one rule, never recomputed beside its service."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from booking.models import Booking
from venues.models import BookingPolicy
from venues.policies import or_default

# Statuses a booking may be cancelled from (before its start); a cancelled one is left as it is.
CANCELLABLE_STATUSES = frozenset({Booking.Status.HELD, Booking.Status.CONFIRMED})


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar day of an aware datetime."""
    return moment.astimezone(local_tz()).date()


def booking_opens_at(*, starts_at: dt.datetime, policy: BookingPolicy | None) -> dt.datetime:
    """When a slot starting at `starts_at` is released.

    A day D is released at the policy's release time on day D - window_days: with a 7-day window
    and a 12:00 release, Tuesday's slots open at 12:00 on the Tuesday before.
    """
    policy = or_default(policy)
    day = local_date(starts_at) - dt.timedelta(days=policy.window_days)
    return dt.datetime.combine(day, policy.release_time, tzinfo=local_tz())


def cancellation_deadline(*, starts_at: dt.datetime, policy: BookingPolicy | None) -> dt.datetime:
    """The last moment a booking can be cancelled without counting as a late cancellation."""
    policy = or_default(policy)
    return starts_at - dt.timedelta(hours=policy.cancel_deadline_hours)


def week_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local Monday 00:00 to next Monday 00:00 around `day`, as aware datetimes."""
    monday = day - dt.timedelta(days=day.weekday())
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=local_tz())
    return start, start + dt.timedelta(days=7)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=local_tz())
    return start, start + dt.timedelta(days=1)


def is_cancellable(*, status: str, starts_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether `cancel_booking` would cancel a booking in `status` starting at `starts_at` now:
    held or confirmed, and not yet started."""
    return status in CANCELLABLE_STATUSES and now < starts_at


def is_late_cancellation(
    *,
    status: str,
    starts_at: dt.datetime,
    policy: BookingPolicy | None,
    now: dt.datetime,
    by_owner: bool = True,
) -> bool:
    """Whether cancelling now counts as late (a strike, no refund unless the policy says so).

    Only a resident cancelling their own confirmed booking after the policy's deadline is
    late; a held booking (not yet paid) or a staff cancellation never is.
    """
    return (
        by_owner
        and status == Booking.Status.CONFIRMED
        and now > cancellation_deadline(starts_at=starts_at, policy=policy)
    )


# The per-person limits, as `QuotaExceededError.extra["limit"]` names them.
PER_DAY = "per_day"
PER_WEEK = "per_week"
HOURS_PER_DAY = "hours_per_day"


def broken_limit(
    *,
    policy: BookingPolicy | None,
    booked: Iterable[tuple[dt.datetime, dt.datetime]],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> str | None:
    """Which per-person limit of a venue one more booking from `starts_at` to `ends_at` would
    break, given the (start, end) of the resident's active bookings at that venue; None if none.

    Checked in this order: bookings per day, per week, hours per day (local days, Monday weeks).
    """
    policy = or_default(policy)
    day_start, day_end = day_bounds(local_date(starts_at))
    week_start, week_end = week_bounds(local_date(starts_at))
    booked = list(booked)
    same_day = [(s, e) for s, e in booked if day_start <= s < day_end]
    if len(same_day) >= policy.max_bookings_per_day:
        return PER_DAY
    if sum(1 for s, _e in booked if week_start <= s < week_end) >= policy.max_bookings_per_week:
        return PER_WEEK
    wanted = sum((e - s for s, e in same_day), ends_at - starts_at)
    if Decimal(wanted.total_seconds()) / 3600 > policy.max_hours_per_day:
        return HOURS_PER_DAY
    return None
