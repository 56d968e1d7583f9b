"""A booking as a calendar entry: the one mapping behind the personal feed and the mail's .ics.

`booking_item` turns a booking row into a `common.ical.FeedItem`. The personal feed shows a
resident's bookings with it (`booking_feed_items`, versioned by `booking_feed_state`), and the
confirmation e-mail attaches the same entry (`booking_ics`), so a calendar that has both sees
one booking: the same UID, summary, place and times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from booking.models import Booking
from common.feeds import FeedSite, FeedState, get_feed_state, items_from_rows, newest
from common.ical import STATUS_CANCELLED, STATUS_CONFIRMED, FeedItem, build_message
from common.urls import site_base
from venues.feeds import VENUE_FIELDS, venue_geo, venue_location

_BOOKING_FIELDS = (
    "id",
    "uid",
    "status",
    "starts_at",
    "ends_at",
    "party_size",
    "price",
    "sequence",
    "created_at",
    "updated_at",
    "resource__name_zh",
    "resource__name_en",
    *VENUE_FIELDS,
)


def booking_feed_state(bookings: models.QuerySet[Booking]) -> FeedState:
    """The version of the bookings in a personal feed (one aggregate query)."""
    return get_feed_state(bookings, updated_fields=("updated_at", "venue__updated_at"))


def booking_feed_items(bookings: models.QuerySet[Booking], site: FeedSite) -> Iterator[FeedItem]:
    """One entry per booking; a row that cannot be made an entry is logged and left out."""
    return items_from_rows(bookings.values(*_BOOKING_FIELDS), booking_item, site)


def booking_item(row: dict[str, Any], site: FeedSite) -> FeedItem:
    """A booking row (`_BOOKING_FIELDS`) as its calendar entry."""
    cancelled = row["status"] == Booking.Status.CANCELLED
    place = " ".join(filter(None, [row["venue__name_zh"], row["resource__name_zh"]]))
    place_en = " ".join(filter(None, [row["venue__name_en"], row["resource__name_en"]]))
    price: Decimal = row["price"]
    lines = [
        f"场地预约 Booking #{row['id']}",
        f"{place}" + (f" / {place_en}" if place_en else ""),
        f"人数 Party size: {row['party_size']}",
        f"费用 Price: ¥{price:.2f}" if price else "免费 Free of charge",
    ]
    if cancelled:
        lines.insert(0, "此预约已取消。This booking was cancelled.")
    url = f"{site.url}/me/bookings/"
    lines.append(f"我的预约 My bookings: {url}")
    return FeedItem(
        uid=f"booking-{row['uid']}@{site.host}",
        summary=("【已取消 Cancelled】" if cancelled else "") + f"预约：{place}",
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        last_modified=newest(row["updated_at"], row["venue__updated_at"]),
        sequence=row["sequence"],
        status=STATUS_CANCELLED if cancelled else STATUS_CONFIRMED,
        description="\n".join(lines),
        location=venue_location(row),
        geo=venue_geo(row),
        url=url,
        created=row["created_at"],
    )


def booking_ics(booking: Booking, *, now: dt.datetime | None = None) -> bytes:
    """The booking as a one-entry calendar for its confirmation e-mail (METHOD:PUBLISH).

    The VEVENT is the personal feed's (`booking_item`, links under `SITE_URL`) but for DTSTAMP:
    with a METHOD it is when the message was made (`now`), not the entry's last change.
    """
    [row] = Booking.objects.filter(pk=booking.pk).values(*_BOOKING_FIELDS)
    item = booking_item(row, FeedSite(site_base()))
    return build_message([item], method="PUBLISH", stamp=now or timezone.now())
