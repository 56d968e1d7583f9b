"""RFC 5545 recurrence: validate an RRULE and its exception dates, find the last occurrence.

Pure functions over dateutil; no ORM. A rule is read in Asia/Shanghai wall time
(settings.TIME_ZONE): `BYDAY=SA` means Saturday in Luohu, even for an event starting after 16:00 UTC.

Input (`parse_rrule`, `parse_exdates`) is held to bounds that every calendar app and library can
represent (docs/events.md, "Recurrence"): COUNT 1-1000, INTERVAL 1-100, UNTIL and every exception
date within about five years of the start, BYxxx values inside RFC 5545's ranges, at least one
occurrence in those five years. Stored rows are read leniently (`occurrences_between`): a rule
that no longer parses or iterates is logged and its event shown by its first occurrence only,
so one bad row never takes a page down.
"""

import calendar
import datetime as dt
import logging
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr
from django.conf import settings
from django.utils.translation import gettext as _

from events.exceptions import InvalidExdatesError, InvalidRRuleError

logger = logging.getLogger(__name__)

# Sub-daily rules produce absurd calendars and huge feeds; nobody schedules events that way.
ALLOWED_FREQS = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
# The last occurrence of a bounded rule is computed by walking it; past this many the series is
# treated as open-ended (its last_* fields stay empty), which only widens date filters.
MAX_COUNTED_OCCURRENCES = 5000
MAX_EXDATES = 200
MAX_COUNT = 1000
MAX_INTERVAL = 100
# UNTIL and exception dates lie within this span of the start; the first occurrence too.
SERIES_SPAN = dt.timedelta(days=5 * 365 + 1)
# The most occurrences one call of `occurrences_between` returns (a month view needs ~31).
MAX_OCCURRENCES_LISTED = 1000
# RFC 5545 §3.3.10 rule parts. BYSECOND/BYMINUTE/BYHOUR would repeat an event within a day,
# which the sub-daily FREQs are refused for; dateutil's own extensions (BYEASTER, ...) are not
# understood by calendar apps.
_SUPPORTED_PARTS = frozenset(
    {
        "FREQ",
        "UNTIL",
        "COUNT",
        "INTERVAL",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    }
)
# BYxxx part: its allowed absolute values, whether negative values are allowed, and the FREQs
# it may be used with (RFC 5545 §3.3.10).
_NUMBER_PARTS: dict[str, tuple[int, int, bool, frozenset[str]]] = {
    "BYMONTHDAY": (1, 31, True, frozenset({"DAILY", "MONTHLY", "YEARLY"})),
    "BYYEARDAY": (1, 366, True, frozenset({"YEARLY"})),
    "BYWEEKNO": (1, 53, True, frozenset({"YEARLY"})),
    "BYMONTH": (1, 12, False, ALLOWED_FREQS),
    "BYSETPOS": (1, 366, True, ALLOWED_FREQS),
}
_WEEKDAYS = frozenset({"MO", "TU", "WE", "TH", "FR", "SA", "SU"})
_BYDAY_ITEM = re.compile(r"([+-]?)([0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)", re.ASCII)
_NUMBER = re.compile(r"([+-]?)([0-9]{1,3})", re.ASCII)
# The largest ordinal in BYDAY: the 5th Monday of a month, the 53rd of a year.
_BYDAY_ORDINAL_LIMIT = {"MONTHLY": 5, "YEARLY": 53}


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def normalise_rrule(value: str) -> str:
    """Return the rule without an "RRULE:" prefix, upper-cased and without blanks."""
    text = "".join((value or "").split()).upper()
    return text.removeprefix("RRULE:")


def parse_rrule(value: str, *, dtstart: dt.datetime) -> rrule:
    """Parse a single RRULE value for a series starting at `dtstart` (aware).

    Raises InvalidRRuleError (with `fields["rrule"]`) for anything calendar apps would choke on:
    several lines, DTSTART or EXDATE inside the rule, sub-daily frequencies or BYHOUR/BYMINUTE/
    BYSECOND, unknown parts, COUNT together with UNTIL, a local UNTIL, values outside the bounds
    above or RFC 5545's ranges, or a rule without an occurrence in its first five years.
    """
    text = normalise_rrule(value)
    if not text:
        raise _rrule_error(_("The recurrence rule is empty."))
    if ":" in text:
        raise _rrule_error(_("Give one RRULE value only, e.g. FREQ=WEEKLY;BYDAY=SA;COUNT=8."))
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, val = part.partition("=")
        if not sep or not name or not val or name in parts:
            raise _rrule_error(_("Cannot parse rule part “%(part)s”.") % {"part": part})
        parts[name] = val
    freq = parts.get("FREQ")
    if freq not in ALLOWED_FREQS:
        raise _rrule_error(_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."))
    if "COUNT" in parts and "UNTIL" in parts:
        raise _rrule_error(_("COUNT and UNTIL cannot both be given (RFC 5545)."))
    _check_parts(parts, freq)
    start = dtstart.astimezone(local_tz())
    try:
        rule = rrulestr(text, dtstart=start, forceset=False)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _rrule_error(_("Invalid RRULE: %(error)s.") % {"error": exc}) from exc
    if not isinstance(rule, rrule):  # pragma: no cover - the ":" check keeps out rule sets
        raise _rrule_error(_("Invalid RRULE."))
    horizon = start + SERIES_SPAN
    until: dt.datetime | None = rule._until  # type: ignore[attr-defined]  # no public getter
    if until is not None and until > horizon:
        raise _rrule_error(
            _("UNTIL must be within about five years of the start (by %(date)s).")
            % {"date": horizon.date().isoformat()}
        )
    # Look at most five years ahead: a rule that never matches (30 February) would otherwise
    # be walked to the year 9999, up to 15 s of CPU per request (see _first_occurrence).
    first = _first_occurrence(rule, start=start, until=until or horizon)
    if first is None:
        raise _rrule_error(_("The rule yields no occurrence within five years of the start."))
    return rule


def _first_occurrence(rule: rrule, *, start: dt.datetime, until: dt.datetime) -> dt.datetime | None:
    """The first occurrence of `rule` (which starts at `start`, local and aware) up to `until`.

    dateutil checks UNTIL only against occurrences it finds: a rule that matches no day at all
    (30 February every day) is walked to the year 9999 before it gives up, about 15 s for a
    DAILY rule. So the rule is walked from a "twin" of its years near the end of dateutil's
    range instead: years with the same weekday on 1 January and the same leap years have
    identical calendars, so the twin has an occurrence exactly when the real series does, at the
    same month, day and time, and its walk ends with the year 9999, a few years later.
    """
    if until < start:
        return None
    tz = start.tzinfo
    local_start = start.replace(tzinfo=None)
    local_until = until.astimezone(tz).replace(tzinfo=None)
    twin = _twin_year(local_start.year, local_until.year + 1)
    shift = dt.date(twin, 1, 1) - dt.date(local_start.year, 1, 1)
    try:
        probe = rule.replace(dtstart=local_start + shift, until=local_until + shift, count=None)
        found: dt.datetime | None = probe.after(local_start + shift, inc=True)
    except (ValueError, TypeError, OverflowError, IndexError) as exc:
        raise _rrule_error(_("Invalid RRULE: %(error)s.") % {"error": exc}) from exc
    return None if found is None else (found - shift).replace(tzinfo=tz)


def _twin_year(first: int, last: int) -> int:
    """The latest year Y <= 9999 - (last - first) whose years Y.. have the calendars of first..last."""
    span = range(last - first + 1)
    weekday = dt.date(first, 1, 1).weekday()
    for year in range(dt.MAXYEAR - (last - first), first, -1):
        if dt.date(year, 1, 1).weekday() == weekday and all(
            calendar.isleap(first + i) == calendar.isleap(year + i) for i in span
        ):
            return year
    return first  # pragma: no cover - every span of years has a twin in 2000-9999


def _rrule_error(message: str) -> InvalidRRuleError:
    return InvalidRRuleError(message, fields={"rrule": [message]})


def _check_parts(parts: dict[str, str], freq: str) -> None:
    """Bounds and RFC 5545 ranges of each part (dateutil accepts more, and some of it crashes)."""
    unknown = sorted(set(parts) - _SUPPORTED_PARTS)
    if unknown:
        raise _rrule_error(
            _(
                "Unsupported rule part(s): %(parts)s (an event repeats at its start time; no "
                "BYHOUR, BYMINUTE, BYSECOND or extensions)."
            )
            % {"parts": ", ".join(unknown)}
        )
    for name, limit in (("COUNT", MAX_COUNT), ("INTERVAL", MAX_INTERVAL)):
        if name in parts:
            raw = parts[name]
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= limit):
                raise _rrule_error(
                    _("%(name)s must be a whole number from 1 to %(limit)s.")
                    % {"name": name, "limit": limit}
                )
    for name, (low, high, signed, freqs) in _NUMBER_PARTS.items():
        if name not in parts:
            continue
        if freq not in freqs:
            raise _rrule_error(
                _("%(name)s is not allowed with FREQ=%(freq)s.") % {"name": name, "freq": freq}
            )
        for item in parts[name].split(","):
            match = _NUMBER.fullmatch(item)
            if not match or (match[1] and not signed) or not low <= int(match[2]) <= high:
                sign = "±" if signed else ""
                raise _rrule_error(
                    _("%(name)s values must be %(low)s to %(high)s; “%(item)s” is not.")
                    % {"name": name, "low": f"{sign}{low}", "high": f"{sign}{high}", "item": item}
                )
    if "BYSETPOS" in parts and not any(
        name.startswith("BY") and name != "BYSETPOS" for name in parts
    ):
        raise _rrule_error(_("BYSETPOS needs another BYxxx part (RFC 5545)."))
    if "BYDAY" in parts:
        limit = _BYDAY_ORDINAL_LIMIT.get(freq, 0)
        if "BYWEEKNO" in parts:
            limit = 0
        for item in parts["BYDAY"].split(","):
            match = _BYDAY_ITEM.fullmatch(item)
            ordinal = match[2] if match else None
            if (
                not match
                or (match[1] and not ordinal)
                or (ordinal is not None and not 1 <= int(ordinal) <= limit)
            ):
                allowed = (
                    _("ordinals ±1 to ±%(limit)s") % {"limit": limit} if limit else _("no ordinal")
                )
                raise _rrule_error(
                    _("Invalid BYDAY value “%(item)s” for FREQ=%(freq)s (%(allowed)s).")
                    % {"item": item, "freq": freq, "allowed": allowed}
                )
    if "WKST" in parts and parts["WKST"] not in _WEEKDAYS:
        raise _rrule_error(_("WKST must be one of MO, TU, ..., SU."))


def parse_exdates(values: object, *, rule: rrule | None) -> list[dt.datetime]:
    """Parse exception dates: aware ISO 8601 datetimes, each an occurrence of `rule`.

    Returns them sorted, de-duplicated and in local time. Raises InvalidExdatesError.
    """
    if values in (None, "", []):
        return []
    if not isinstance(values, list | tuple):
        raise _exdates_error(_("exdates must be a list."))
    if rule is None:
        raise _exdates_error(_("Only a recurring event can have exception dates."))
    if len(values) > MAX_EXDATES:
        raise _exdates_error(_("At most %(n)s exception dates.") % {"n": MAX_EXDATES})
    tz = local_tz()
    start: dt.datetime = rule._dtstart  # type: ignore[attr-defined]  # no public getter
    horizon = start + SERIES_SPAN
    parsed: set[dt.datetime] = set()
    for raw in values:
        moment = _parse_aware(raw)
        if moment is None:
            raise _exdates_error(
                _("“%(value)s” is not an aware ISO 8601 datetime.") % {"value": raw}
            )
        # Compared before any conversion: year 1 or 9999 in another zone cannot be converted.
        if not start <= moment <= horizon:
            raise _exdates_error(
                _("%(value)s is not within five years of the start.") % {"value": raw}
            )
        moment = moment.astimezone(tz)
        if rule.after(moment, inc=True) != moment:
            raise _exdates_error(
                _("%(value)s is not an occurrence of the rule.") % {"value": moment.isoformat()}
            )
        parsed.add(moment)
    return sorted(parsed)


def _exdates_error(message: str) -> InvalidExdatesError:
    return InvalidExdatesError(message, fields={"exdates": [message]})


def format_exdates(values: Iterable[dt.datetime]) -> list[str]:
    return [value.astimezone(local_tz()).isoformat() for value in values]


def exdates_as_datetimes(values: Iterable[str]) -> list[dt.datetime]:
    """Stored exception dates (aware ISO strings) as aware datetimes; malformed ones are skipped."""
    result = []
    for raw in values:
        moment = _parse_aware(raw)
        if moment is not None:
            result.append(moment)
    return result


def build_ruleset(
    *, starts_at: dt.datetime, rrule_text: str, exdates: Iterable[dt.datetime]
) -> rruleset:
    """The series of a stored event, read leniently (no input bounds: rows written under older
    rules stay readable). Raises ValueError (or another error of dateutil) for a rule that
    does not parse at all."""
    rules = rruleset()
    rule = rrulestr(normalise_rrule(rrule_text), dtstart=starts_at.astimezone(local_tz()))
    if not isinstance(rule, rrule):
        raise ValueError(f"not a single RRULE: {rrule_text!r}")
    rules.rrule(rule)
    for moment in exdates:
        rules.exdate(moment.astimezone(local_tz()))
    return rules


def last_occurrence_start(
    *, starts_at: dt.datetime, rrule_text: str, exdates: Iterable[dt.datetime]
) -> dt.datetime | None:
    """Start of the last occurrence; None for an open-ended (or very long) series.

    A one-off event's only occurrence is its start.
    """
    if not rrule_text:
        return starts_at
    rule = parse_rrule(rrule_text, dtstart=starts_at)
    # dateutil exposes no getter for COUNT/UNTIL.
    if rule._count is None and rule._until is None:  # type: ignore[attr-defined]
        return None
    rules = rruleset()
    rules.rrule(rule)
    for moment in exdates:
        rules.exdate(moment.astimezone(local_tz()))
    last = None
    for index, moment in enumerate(rules):
        if index >= MAX_COUNTED_OCCURRENCES:
            return None
        last = moment
    if last is None:
        raise _exdates_error(_("The exception dates remove every occurrence."))
    return last


def occurrences_between(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    rrule_text: str,
    exdates: Iterable[dt.datetime],
    after: dt.datetime,
    before: dt.datetime,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of every occurrence overlapping [after, before), in local time.

    At most MAX_OCCURRENCES_LISTED. A stored rule that cannot be read or walked is logged and the
    event counts as a one-off: one bad row must not take the page that lists it down.
    """
    duration = ends_at - starts_at
    one_off = [(starts_at, ends_at)] if starts_at < before and ends_at > after else []
    if not rrule_text:
        return one_off
    low = after - duration
    found: list[tuple[dt.datetime, dt.datetime]] = []
    try:
        for start in build_ruleset(starts_at=starts_at, rrule_text=rrule_text, exdates=exdates):
            if start >= before:
                break
            if start > low:
                found.append((start, start + duration))
                if len(found) >= MAX_OCCURRENCES_LISTED:
                    break
    except Exception:  # any failure of dateutil on a stored row; logged, never a 500
        logger.exception("Cannot walk the stored rule %r; shown as a one-off event.", rrule_text)
        return one_off
    return found


def _parse_aware(raw: object) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment
