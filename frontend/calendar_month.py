"""Month grid for the event calendar: weeks from Monday, each day with its events. Pure."""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    items: list[Any] = field(default_factory=list)


def month_weeks(
    *, year: int, month: int, items: list[Any], today: dt.date, day_of: Any
) -> list[list[Day]]:
    """Weeks (Monday first) covering the month; `day_of(item)` gives an item's local date."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    days = {
        date: Day(date=date, in_month=date.month == month, is_today=date == today)
        for week in weeks
        for date in week
    }
    for item in items:
        day = days.get(day_of(item))
        if day is not None:
            day.items.append(item)
    return [[days[date] for date in week] for week in weeks]


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1
