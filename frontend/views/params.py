"""Query parameters of the pages: days, months and free text, read so that no value can fail.

A page answers a malformed or far-fetched value (`?day=9999-12-31`, `?month=0001-01`, a NUL in a
search) with its default, never with a 500: the day before year 1 or after year 9999 cannot be
computed, and PostgreSQL refuses NUL characters in text.
"""

import datetime as dt

# The days a page shows: the same range the API accepts.
from common.calendar_range import FIRST_DAY, LAST_DAY


def parse_day(value: str | None, default: dt.date) -> tuple[dt.date, bool]:
    """`(day, ok)`: the YYYY-MM-DD `value`, or `default` and ok=False when it is not a day
    between FIRST_DAY and LAST_DAY (a missing value is the default, ok=True)."""
    if not value:
        return default, True
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return default, False
    if not FIRST_DAY <= day <= LAST_DAY:
        return default, False
    return day, True


def parse_month(value: str | None, default: tuple[int, int]) -> tuple[int, int]:
    """`(year, month)` of a YYYY-MM `value`, or `default` when it is not such a month between
    FIRST_DAY and LAST_DAY."""
    year_text, _sep, month_text = (value or "").partition("-")
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
        return default
    if not (month_text.isascii() and month_text.isdigit() and len(month_text) <= 2):
        return default
    year, month = int(year_text), int(month_text)
    if not 1 <= month <= 12 or not FIRST_DAY.year <= year <= LAST_DAY.year:
        return default
    return year, month


def parse_id(value: str | None) -> int | None:
    """A positive id of at most 18 ASCII digits, else None (`"²".isdigit()` is true in Python)."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18 and int(value) > 0:
        return int(value)
    return None


def clean_text(value: str | None, max_length: int = 100) -> str:
    """Free text of a search box: stripped, without control characters, at most `max_length`."""
    text = "".join(ch for ch in (value or "") if ch.isprintable() or ch == " ")
    return text.strip()[:max_length]
