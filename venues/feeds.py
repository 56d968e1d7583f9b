"""What a calendar entry shows of its venue, for the feeds of the apps that sit on venues.

Events and bookings both place their entries at a venue (events/feeds.py, booking/feeds.py):
the fields they read through their `venue` relation, and how a place and its map point are
written, are defined once here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from common.feeds import geo

# What a VEVENT shows of its venue (location, geo) and what its LAST-MODIFIED follows.
VENUE_FIELDS = (
    "venue__name_zh",
    "venue__name_en",
    "venue__address_zh",
    "venue__latitude",
    "venue__longitude",
    "venue__updated_at",
)


def venue_location(row: dict[str, Any], prefix: str = "") -> str:
    """LOCATION from a row holding `VENUE_FIELDS` (under `prefix`): name（address）."""
    name: str = row[f"{prefix}venue__name_zh"]
    address: str = row[f"{prefix}venue__address_zh"]
    return f"{name}（{address}）" if address else name


def venue_geo(row: dict[str, Any], prefix: str = "") -> tuple[Decimal, Decimal] | None:
    """GEO from a row holding `VENUE_FIELDS` (under `prefix`), when the venue has both."""
    return geo(row[f"{prefix}venue__latitude"], row[f"{prefix}venue__longitude"])
