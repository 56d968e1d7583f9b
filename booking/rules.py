"""Pure rules of the booking window, shared by the booking service and availability reads."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from venues.models import BookingPolicy

DEFAULT_POLICY = BookingPolicy()


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
    policy = policy or DEFAULT_POLICY
    day = local_date(starts_at) - dt.timedelta(days=policy.window_days)
    return dt.datetime.combine(day, policy.release_time, tzinfo=local_tz())


def cancellation_deadline(*, starts_at: dt.datetime, policy: BookingPolicy | None) -> dt.datetime:
    """The last moment a booking can be cancelled without counting as a late cancellation."""
    policy = policy or DEFAULT_POLICY
    return starts_at - dt.timedelta(hours=policy.cancel_deadline_hours)


def week_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local Monday 00:00 to next Monday 00:00 around `day`, as aware datetimes."""
    monday = day - dt.timedelta(days=day.weekday())
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=local_tz())
    return start, start + dt.timedelta(days=7)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=local_tz())
    return start, start + dt.timedelta(days=1)
