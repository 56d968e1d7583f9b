"""Reads of the venues app: venue lists and details, and summaries of their opening rules."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet

from venues.exceptions import VenueNotFoundError
from venues.models import OpeningRule, Resource, Sport, Venue


def list_venues(
    *,
    kind: str | None = None,
    district: str | None = None,
    sport: str | None = None,
    q: str | None = None,
    street: str | None = None,
) -> QuerySet[Venue]:
    """List active venues, optionally filtered; sports are prefetched.

    `sport` is a sport code, `q` searches both languages' names and addresses and the street,
    `street` keeps the venues on that street (街道) exactly.
    Input is assumed valid (the API validates it first). Venues with free places on a day:
    `booking.availability.list_venues_free_on` (venues does not depend on booking).
    """
    venues = Venue.objects.filter(is_active=True)
    if kind:
        venues = venues.filter(kind=kind)
    if district:
        venues = venues.filter(district=district)
    if sport:
        venues = venues.filter(
            Exists(Venue.sports.through.objects.filter(venue_id=OuterRef("pk"), sport__code=sport))
        )
    if street:
        venues = venues.filter(street=street)
    if q:
        terms = Q()
        for field in ("name_zh", "name_en", "address_zh", "address_en", "street"):
            terms |= Q(**{f"{field}__icontains": q})
        venues = venues.filter(terms)
    return venues.prefetch_related(Prefetch("sports", queryset=Sport.objects.order_by("code")))


def get_venue(*, venue_id: Any) -> Venue:
    """Return one active venue with its policy, sports and active resources (with sports).

    Raises VenueNotFoundError for an unknown, inactive or malformed id.
    """
    pk = parse_venue_pk(venue_id)
    venue = (
        Venue.objects.filter(pk=pk, is_active=True)
        .select_related("policy")
        .prefetch_related(
            Prefetch("sports", queryset=Sport.objects.order_by("code")),
            Prefetch(
                "resources",
                queryset=Resource.objects.filter(is_active=True).select_related("sport"),
                to_attr="active_resources",
            ),
        )
        .first()
    )
    if venue is None:
        raise VenueNotFoundError()
    return venue


def parse_venue_pk(venue_id: Any) -> int:
    """`venue_id` (from a URL or a body) as a primary key.

    Raises VenueNotFoundError when it cannot be one: a malformed id names no venue.
    """
    try:
        return int(venue_id)
    except (TypeError, ValueError) as exc:
        raise VenueNotFoundError() from exc


def venue_exists(*, venue_id: Any) -> bool:
    """Whether `venue_id` names an active venue (malformed ids do not)."""
    try:
        pk = int(venue_id)
    except (TypeError, ValueError):
        return False
    return Venue.objects.filter(pk=pk, is_active=True).exists()


@dataclass(frozen=True)
class DayHours:
    weekday: int
    opens_at: dt.time
    closes_at: dt.time


@dataclass(frozen=True)
class RulesSummary:
    """What a resident wants to know about a venue's hours before looking at slots."""

    opening_hours: list[DayHours]
    public_benefit_hours: list[DayHours]
    price_min: Decimal | None
    price_max: Decimal | None


def get_rules_summary(*, venue_id: int, on: dt.date) -> RulesSummary:
    """Summarise the opening rules of a venue's active resources valid on or after `on`.

    Two queries whatever the number of resources and rules.
    """
    rules = OpeningRule.objects.filter(
        resource__venue_id=venue_id, resource__is_active=True
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    per_day = list(
        rules.values("weekday")
        .annotate(
            opens=Min("opens_at"), closes=Max("closes_at"), low=Min("price"), high=Max("price")
        )
        .order_by("weekday")
    )
    benefit = (
        rules.filter(public_benefit=True)
        .values("weekday", "opens_at", "closes_at")
        .distinct()
        .order_by("weekday", "opens_at", "closes_at")
    )
    opening = [
        DayHours(weekday=row["weekday"], opens_at=row["opens"], closes_at=row["closes"])
        for row in per_day
    ]
    benefit_hours = [
        DayHours(weekday=row["weekday"], opens_at=row["opens_at"], closes_at=row["closes_at"])
        for row in benefit
    ]
    return RulesSummary(
        opening_hours=opening,
        public_benefit_hours=benefit_hours,
        price_min=min((row["low"] for row in per_day), default=None),
        price_max=max((row["high"] for row in per_day), default=None),
    )


def get_venue_detail(*, venue_id: Any, on: dt.date) -> Venue:
    """`get_venue` plus `venue.rules_summary` (a RulesSummary of rules valid from `on`).

    Five queries whatever the size of the venue. Raises VenueNotFoundError.
    """
    venue = get_venue(venue_id=venue_id)
    venue.rules_summary = get_rules_summary(venue_id=venue.pk, on=on)  # type: ignore[attr-defined]
    return venue


def list_sports() -> QuerySet[Sport]:
    """Every sport, by code (the venue search's choices)."""
    return Sport.objects.order_by("code")


def list_streets() -> list[str]:
    """The streets (街道) that active venues are on, sorted, each once."""
    return list(
        Venue.objects.filter(is_active=True)
        .exclude(street="")
        .order_by("street")
        .values_list("street", flat=True)
        .distinct()
    )


def list_staffed_venues(*, user: Any) -> QuerySet[Venue]:
    """The active venues whose staff pages `user` may open (every one for district admins)."""
    if not user.is_authenticated:
        return Venue.objects.none()
    if user.is_superuser or user.is_staff:
        return Venue.objects.filter(is_active=True)
    venues: QuerySet[Venue] = user.staffed_venues.filter(is_active=True)
    return venues


def get_active_venue(*, venue_id: Any) -> Venue:
    """One active venue, nothing prefetched (one query). Raises VenueNotFoundError."""
    pk = parse_venue_pk(venue_id)
    venue = Venue.objects.filter(pk=pk, is_active=True).first()
    if venue is None:
        raise VenueNotFoundError()
    return venue


def list_venue_choices() -> QuerySet[Venue]:
    """Active venues by Chinese name, nothing prefetched (a form's venue choices)."""
    return Venue.objects.filter(is_active=True).order_by("name_zh")
