"""Checks of an event's fields shared by create_event and update_event (no writes).

`clean_event_fields` takes every editable field (current values merged with the changes) and
returns them normalised, plus the derived `last_starts_at`/`last_ends_at`.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from common.calendar_range import FIRST_DAY, LAST_DAY
from events import recurrence
from events.exceptions import (
    InvalidEventError,
    InvalidTimeRangeError,
    NaiveDatetimeError,
    UnknownCategoryError,
    UnknownVenueError,
)
from events.models import Event
from events.selectors import parse_pk
from venues.models import Venue

EDITABLE_FIELDS = frozenset(
    {
        *Event.CALENDAR_FIELDS,
        "venue_id",
        "registration_opens_at",
        "registration_closes_at",
        "capacity",
        "waitlist_enabled",
        "price",
        "image_url",
        "links",
    }
)
# What calendar subscribers see: a change to any of these bumps Event.sequence once the event
# has been published. Registration settings (capacity, price, windows) are not in the feeds.
REGISTRATION_SETTINGS = frozenset(
    {"registration_opens_at", "registration_closes_at", "capacity", "waitlist_enabled", "price"}
)
SUBSCRIBER_VISIBLE_FIELDS = (EDITABLE_FIELDS - REGISTRATION_SETTINGS) | {"status", "status_reason"}
MAX_CAPACITY = 100_000
MAX_PRICE = Decimal("999999.99")
MAX_LINKS = 20
# Every time of an event lies in this range: far enough for any real event, near enough that
# every library, calendar app and date calculation (feeds, month views) can represent it.
EARLIEST = dt.datetime.combine(FIRST_DAY, dt.time(), tzinfo=dt.UTC)
LATEST = dt.datetime.combine(LAST_DAY, dt.time(), tzinfo=dt.UTC)
_url = URLValidator(schemes=["http", "https"])


def clean_event_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise an event's editable fields; return them with derived fields.

    Raises InvalidEventError, InvalidTimeRangeError, NaiveDatetimeError, UnknownCategoryError,
    UnknownVenueError, InvalidRRuleError, InvalidExdatesError.
    """
    cleaned: dict[str, Any] = {}
    cleaned["title_zh"] = _text(values, "title_zh", max_length=200, required=True)
    cleaned["title_en"] = _text(values, "title_en", max_length=200)
    cleaned["description_zh"] = _text(values, "description_zh", max_length=20_000)
    cleaned["description_en"] = _text(values, "description_en", max_length=20_000)
    cleaned["location_zh"] = _text(values, "location_zh", max_length=255)
    cleaned["location_en"] = _text(values, "location_en", max_length=255)

    category = values.get("category")
    if category not in Event.Category.values:
        raise UnknownCategoryError(
            fields={"category": [f"One of: {', '.join(Event.Category.values)}."]}
        )
    cleaned["category"] = category

    cleaned["venue_id"] = _venue_id(values.get("venue_id"))
    if cleaned["venue_id"] is None and not cleaned["location_zh"]:
        raise InvalidEventError(
            _("Give a venue or a location."),
            fields={"location_zh": ["Required when the event is not at a venue."]},
        )
    cleaned["latitude"], cleaned["longitude"] = _coordinates(
        values.get("latitude"), values.get("longitude")
    )

    starts_at = _aware(values, "starts_at", required=True)
    ends_at = _aware(values, "ends_at", required=True)
    assert starts_at is not None and ends_at is not None
    if ends_at <= starts_at:
        raise InvalidTimeRangeError(fields={"ends_at": ["Must be after starts_at."]})
    cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at

    rrule_text = recurrence.normalise_rrule(values.get("rrule") or "")
    if rrule_text:
        rule = recurrence.parse_rrule(rrule_text, dtstart=starts_at)
        exdates = recurrence.parse_exdates(values.get("exdates") or [], rule=rule)
        last_start = recurrence.last_occurrence_start(
            starts_at=starts_at, rrule_text=rrule_text, exdates=exdates
        )
    else:
        exdates = recurrence.parse_exdates(values.get("exdates") or [], rule=None)
        last_start = starts_at
    cleaned["rrule"] = rrule_text
    cleaned["exdates"] = recurrence.format_exdates(exdates)
    cleaned["last_starts_at"] = last_start
    cleaned["last_ends_at"] = last_start + (ends_at - starts_at) if last_start else None

    opens = _aware(values, "registration_opens_at")
    closes = _aware(values, "registration_closes_at")
    if opens and closes and closes <= opens:
        raise InvalidTimeRangeError(
            _("Registration must close after it opens."),
            fields={"registration_closes_at": ["Must be after registration_opens_at."]},
        )
    cleaned["registration_opens_at"], cleaned["registration_closes_at"] = opens, closes

    cleaned["capacity"] = _capacity(values.get("capacity"))
    cleaned["waitlist_enabled"] = _bool(values, "waitlist_enabled", default=True)
    cleaned["price"] = _price(values.get("price"))
    cleaned["image_url"] = _url_or_blank(values, "image_url")
    cleaned["links"] = _links(values.get("links"))
    return cleaned


def _invalid(field: str, message: str) -> InvalidEventError:
    return InvalidEventError(fields={field: [message]})


def _text(values: dict[str, Any], field: str, *, max_length: int, required: bool = False) -> str:
    value = values.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(field, "Must be text.")
    value = value.strip()
    if required and not value:
        raise _invalid(field, "This field is required.")
    if len(value) > max_length:
        raise _invalid(field, f"At most {max_length} characters.")
    return value


def _aware(values: dict[str, Any], field: str, *, required: bool = False) -> dt.datetime | None:
    value = values.get(field)
    if value is None:
        if required:
            raise _invalid(field, "This field is required.")
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise _invalid(field, "Not an ISO 8601 datetime.") from exc
    if not isinstance(value, dt.datetime):
        raise _invalid(field, "Not a datetime.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(fields={field: ["Give the UTC offset, e.g. +08:00."]})
    # Compared as is: converting year 1 or 9999 to another zone would overflow.
    if not EARLIEST <= value <= LATEST:
        raise _invalid(field, f"Must be between {EARLIEST.date()} and {LATEST.date()} (UTC).")
    return value


def _venue_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, Venue):
        value = value.pk
    pk = parse_pk(value)
    if pk is None:
        raise UnknownVenueError(fields={"venue": ["Not a venue id."]})
    if not Venue.objects.filter(pk=pk, is_active=True).exists():
        raise UnknownVenueError(fields={"venue": [f"No active venue {pk}."]})
    return pk


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise _invalid(field, "Not a number.")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid(field, "Not a number.") from exc
    if not number.is_finite():
        raise _invalid(field, "Not a number.")
    return number


def _coordinates(lat: Any, lon: Any) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    if lat in (None, "") or lon in (None, ""):
        field = "longitude" if lat not in (None, "") else "latitude"
        raise _invalid(field, "Give both latitude and longitude, or neither.")
    latitude = _decimal(lat, "latitude")
    longitude = _decimal(lon, "longitude")
    if not -90 <= latitude <= 90:
        raise _invalid("latitude", "Must be between -90 and 90.")
    if not -180 <= longitude <= 180:
        raise _invalid("longitude", "Must be between -180 and 180.")
    step = Decimal("0.000001")
    return latitude.quantize(step), longitude.quantize(step)


def _capacity(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid("capacity", "Must be a whole number (or empty for unlimited).")
    if not 1 <= value <= MAX_CAPACITY:
        raise _invalid("capacity", f"Must be between 1 and {MAX_CAPACITY}.")
    return value


def _bool(values: dict[str, Any], field: str, *, default: bool) -> bool:
    value = values.get(field, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _invalid(field, "Must be true or false.")
    return value


def _price(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    price = _decimal(value, "price")
    if price < 0 or price > MAX_PRICE:
        raise _invalid("price", f"Must be between 0 and {MAX_PRICE}.")
    return price.quantize(Decimal("0.01"))


def _url_or_blank(values: dict[str, Any], field: str) -> str:
    value = _text(values, field, max_length=200)
    if value:
        try:
            _url(value)
        except ValidationError as exc:
            raise _invalid(field, "Must be an http(s) URL.") from exc
    return value


def _links(value: Any) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or len(value) > MAX_LINKS:
        raise _invalid("links", f'A list of at most {MAX_LINKS} {{"label", "url"}} objects.')
    links = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"label", "url"}:
            raise _invalid("links", 'Each link is {"label": ..., "url": ...}.')
        label = item.get("label") or ""
        url = item.get("url") or ""
        if not isinstance(label, str) or not isinstance(url, str) or len(label) > 100:
            raise _invalid("links", "A label is text of at most 100 characters.")
        try:
            _url(url)
        except ValidationError as exc:
            raise _invalid("links", f"{url!r} is not an http(s) URL.") from exc
        links.append({"label": label.strip(), "url": url})
    return links
