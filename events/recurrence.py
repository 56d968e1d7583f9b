"""RFC 5545 recurrence: validate an RRULE and its exception dates, find the last occurrence.

Pure functions over dateutil; no ORM. A rule is read in Asia/Shanghai wall time
(settings.TIME_ZONE): `BYDAY=SA` means Saturday in Luohu, even for an event starting after 16:00 UTC.
"""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr
from django.conf import settings

from events.exceptions import InvalidExdatesError, InvalidRRuleError

# Sub-daily rules produce absurd calendars and huge feeds; nobody schedules events that way.
ALLOWED_FREQS = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
# The last occurrence of a bounded rule is computed by walking it; past this many the series is
# treated as open-ended (its last_* fields stay empty), which only widens date filters.
MAX_COUNTED_OCCURRENCES = 5000
MAX_EXDATES = 200


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def normalise_rrule(value: str) -> str:
    """Return the rule without an "RRULE:" prefix, upper-cased and without blanks."""
    text = "".join((value or "").split()).upper()
    return text.removeprefix("RRULE:")


def parse_rrule(value: str, *, dtstart: dt.datetime) -> rrule:
    """Parse a single RRULE value for a series starting at `dtstart` (aware).

    Raises InvalidRRuleError for anything calendar apps would choke on: several lines, DTSTART or
    EXDATE inside the rule, sub-daily frequencies, COUNT together with UNTIL, a local UNTIL, or a
    rule without a single occurrence.
    """
    text = normalise_rrule(value)
    if not text:
        raise InvalidRRuleError("重复规则为空。The recurrence rule is empty.")
    if ":" in text:
        raise InvalidRRuleError(
            "只接受一条 RRULE（不含 DTSTART/EXDATE）。Give one RRULE value only, e.g. "
            "FREQ=WEEKLY;BYDAY=SA;COUNT=8."
        )
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, val = part.partition("=")
        if not sep or not name or not val or name in parts:
            raise InvalidRRuleError(f"无法解析 “{part}”。Cannot parse rule part {part!r}.")
        parts[name] = val
    freq = parts.get("FREQ")
    if freq not in ALLOWED_FREQS:
        raise InvalidRRuleError(
            "FREQ 须为 DAILY、WEEKLY、MONTHLY 或 YEARLY。FREQ must be DAILY, WEEKLY, MONTHLY or "
            "YEARLY."
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRRuleError(
            "COUNT 与 UNTIL 不能同时使用。COUNT and UNTIL cannot both be given (RFC 5545)."
        )
    start = dtstart.astimezone(local_tz())
    try:
        rule = rrulestr(text, dtstart=start, forceset=False)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidRRuleError(f"重复规则无效：{exc}。Invalid RRULE: {exc}.") from exc
    if not isinstance(rule, rrule):  # pragma: no cover - the ":" check keeps out rule sets
        raise InvalidRRuleError()
    if rule.after(start, inc=True) is None:
        raise InvalidRRuleError("重复规则没有任何日期。The rule yields no occurrence.")
    return rule


def parse_exdates(values: object, *, rule: rrule | None) -> list[dt.datetime]:
    """Parse exception dates: aware ISO 8601 datetimes, each an occurrence of `rule`.

    Returns them sorted, de-duplicated and in local time. Raises InvalidExdatesError.
    """
    if values in (None, "", []):
        return []
    if not isinstance(values, list | tuple):
        raise InvalidExdatesError("exdates 须为列表。exdates must be a list.")
    if rule is None:
        raise InvalidExdatesError(
            "只有重复活动可以设置排除日期。Only a recurring event can have exception dates."
        )
    if len(values) > MAX_EXDATES:
        raise InvalidExdatesError(f"At most {MAX_EXDATES} exception dates.")
    tz = local_tz()
    parsed: set[dt.datetime] = set()
    for raw in values:
        moment = _parse_aware(raw)
        if moment is None:
            raise InvalidExdatesError(
                f"“{raw}” 不是带时区的 ISO 时间。{raw!r} is not an aware ISO 8601 datetime."
            )
        moment = moment.astimezone(tz)
        if rule.after(moment, inc=True) != moment:
            raise InvalidExdatesError(
                f"{moment.isoformat()} 不是该重复规则中的一次活动。"
                f"{moment.isoformat()} is not an occurrence of the rule."
            )
        parsed.add(moment)
    return sorted(parsed)


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
    rules = rruleset()
    rules.rrule(parse_rrule(rrule_text, dtstart=starts_at))
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
        raise InvalidExdatesError(
            "排除日期去掉了所有活动。The exception dates remove every occurrence."
        )
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
    """(start, end) of every occurrence overlapping [after, before), in local time."""
    duration = ends_at - starts_at
    if not rrule_text:
        return [(starts_at, ends_at)] if starts_at < before and ends_at > after else []
    rules = build_ruleset(starts_at=starts_at, rrule_text=rrule_text, exdates=exdates)
    return [(start, start + duration) for start in rules.between(after - duration, before)]


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
