"""Independent parsers for the feed conformance tests: icalendar, recurring-ical-events, ical.js
and `ical` (PyPI).

`parse_with_icaljs` runs Mozilla's ical.js (the parser inside Thunderbird) with node on
tests/js/parse_ics.mjs. The npm package is installed by scripts/ensure-test-deps.sh (`make test`);
when it is missing, the first call runs `npm ci` here, so the suite never silently skips it.
`parse_with_ical` uses the `ical` package (Home Assistant's calendar library, the dev extras),
which validates every known property's value type and keeps unknown ones apart as "extras".
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import ical.calendar
import icalendar
import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream

JS_DIR = Path(__file__).resolve().parent
SCRIPT = JS_DIR / "parse_ics.mjs"
_install_lock = threading.Lock()


def ensure_icaljs() -> None:
    """Install ical.js from tests/js/package-lock.json if it is not there yet."""
    with _install_lock:
        if (JS_DIR / "node_modules" / "ical.js" / "package.json").exists():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: run scripts/ensure-test-deps.sh")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )


def parse_with_icaljs(body: bytes, *, until: dt.datetime | None = None, limit: int = 1000) -> Any:
    """Parse a feed with ical.js; return its JSON (calendar properties, timezones, events)."""
    ensure_icaljs()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: the ical.js conformance tests need it")
    args = [node, str(SCRIPT), "-", f"--max={limit}"]
    if until is not None:
        args.append(f"--until={until.astimezone(dt.UTC).isoformat()}")
    result = subprocess.run(args, input=body, capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        raise AssertionError(f"ical.js could not parse the feed: {result.stderr.decode()}")
    return json.loads(result.stdout)


def parse_with_icalendar(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def occurrences_with_recurring_ical_events(
    body: bytes, start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[str, str]]]:
    """Every occurrence between start and end per UID, as UTC ISO strings (start, end)."""
    calendar = icalendar.Calendar.from_ical(body)
    found: dict[str, list[tuple[str, str]]] = {}
    for component in recurring_ical_events.of(calendar).between(start, end):
        found.setdefault(str(component["UID"]), []).append(
            (utc_iso(component.decoded("DTSTART")), utc_iso(component.decoded("DTEND")))
        )
    for occurrences in found.values():
        occurrences.sort()
    return found


def occurrences_with_icaljs(
    parsed: Any, start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[str, str]]]:
    """The same as above from ical.js's expansion (occurrences overlapping [start, end))."""
    lo, hi = utc_iso(start), utc_iso(end)
    found: dict[str, list[tuple[str, str]]] = {}
    for event in parsed["events"]:
        for occurrence in event["occurrences"]:
            if occurrence["end_utc"] > lo and occurrence["start_utc"] < hi:
                found.setdefault(event["uid"], []).append(
                    (occurrence["start_utc"], occurrence["end_utc"])
                )
    for occurrences in found.values():
        occurrences.sort()
    return found


def utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_wire_format(body: bytes) -> list[bytes]:
    """Check RFC 5545 §3.1 on the raw bytes; return the physical lines.

    CRLF after every line and nowhere else, no line over 75 octets, each line valid UTF-8 on its
    own (so no fold split a character).
    """
    assert body.endswith(b"\r\n"), "the feed must end with CRLF"
    lines = body[:-2].split(b"\r\n")
    for number, line in enumerate(lines, 1):
        assert b"\r" not in line and b"\n" not in line, f"bare CR or LF in line {number}"
        assert len(line) <= 75, f"line {number} has {len(line)} octets: {line[:80]!r}"
        line.decode("utf-8")  # raises if a fold split a multi-octet character
    return lines


def unfold(body: bytes) -> list[str]:
    """The logical content lines: physical lines joined where a line starts with a space."""
    return body.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def summarise_icalendar(body: bytes) -> dict[str, dict[str, Any]]:
    """Per UID the properties that all parsers must agree on, as read by icalendar."""
    result = {}
    for event in parse_with_icalendar(body).walk("VEVENT"):
        geo = event.get("GEO")
        result[str(event["UID"])] = {
            "summary": str(event.get("SUMMARY", "")),
            "description": str(event.get("DESCRIPTION", "")),
            "location": str(event.get("LOCATION", "")),
            "status": str(event.get("STATUS", "")),
            "sequence": int(event.get("SEQUENCE", 0)),
            "url": str(event.get("URL", "")),
            "geo": [round(geo.latitude, 6), round(geo.longitude, 6)] if geo else None,
            "start_utc": utc_iso(event.decoded("DTSTART")),
            "end_utc": utc_iso(event.decoded("DTEND")),
            "last_modified": (
                utc_iso(event.decoded("LAST-MODIFIED")) if "LAST-MODIFIED" in event else None
            ),
            "dtstamp": utc_iso(event.decoded("DTSTAMP")),
        }
    return result


def summarise_icaljs(parsed: Any) -> dict[str, dict[str, Any]]:
    result = {}
    for event in parsed["events"]:
        geo = event["geo"]
        result[event["uid"]] = {
            "summary": event["summary"] or "",
            "description": event["description"] or "",
            "location": event["location"] or "",
            "status": event["status"] or "",
            "sequence": event["sequence"],
            "url": event["url"] or "",
            "geo": [round(geo[0], 6), round(geo[1], 6)] if geo else None,
            "start_utc": event["start_utc"],
            "end_utc": event["end_utc"],
            "last_modified": event["last_modified"],
            "dtstamp": event["dtstamp"],
        }
    return result


def parse_with_ical(body: bytes) -> ical.calendar.Calendar:
    """Parse with the `ical` package; raises ical.exceptions.CalendarParseError if invalid."""
    return IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))


def summarise_ical(calendar: ical.calendar.Calendar) -> dict[str, dict[str, Any]]:
    """The same per-UID summary as `summarise_icalendar`, as read by the `ical` package."""
    result = {}
    for event in calendar.events:
        assert event.uid is not None
        assert isinstance(event.dtstart, dt.datetime) and isinstance(event.dtend, dt.datetime)
        geo = event.geo
        result[event.uid] = {
            "summary": event.summary or "",
            "description": event.description or "",
            "location": event.location or "",
            "status": event.status.value if event.status else "",
            "sequence": event.sequence or 0,
            "url": event.url or "",
            "geo": [round(geo.lat, 6), round(geo.lng, 6)] if geo else None,
            "start_utc": utc_iso(event.dtstart),
            "end_utc": utc_iso(event.dtend),
            "last_modified": utc_iso(event.last_modified) if event.last_modified else None,
            "dtstamp": utc_iso(event.dtstamp),
        }
    return result


def assert_ical_reads_it_all(body: bytes) -> ical.calendar.Calendar:
    """`ical` parses the feed, reads what icalendar reads, and finds nothing it does not know
    in a VEVENT or a VTIMEZONE (a property out of place would land in `extras`)."""
    calendar = parse_with_ical(body)
    assert summarise_ical(calendar) == summarise_icalendar(body)
    for event in calendar.events:
        assert event.extras == [], (event.uid, event.extras)
    for timezone in calendar.timezones:
        assert timezone.extras == [], (timezone.tz_id, timezone.extras)
        for observance in [*timezone.standard, *timezone.daylight]:
            assert observance.extras == [], (timezone.tz_id, observance.extras)
    return calendar


def assert_parsers_agree(body: bytes) -> Any:
    """Parse with icalendar, ical.js and `ical`, check all read the same events; return
    ical.js's."""
    assert_wire_format(body)
    parsed = parse_with_icaljs(body)
    assert summarise_icaljs(parsed) == summarise_icalendar(body)
    assert_ical_reads_it_all(body)
    for event in parsed["events"]:
        # The VTIMEZONE in the file resolved the TZID (a missing one would read as floating).
        assert event["dtstart_zone"] == event["dtstart_tzid"] == "Asia/Shanghai", event["uid"]
    return parsed


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    """The feed's VEVENTs by UID, read by icalendar (a UID appearing twice fails the test)."""
    found: dict[str, icalendar.Event] = {}
    for event in parse_with_icalendar(body).walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in found, f"UID {uid} appears twice"
        found[uid] = event
    return found
