"""Writes of the venues app: idempotent upserts used by data loaders (demo data, imports).

Slot generation is booking's job (`booking.slots.generate_slots`): after changing rules or
closures, run it for the venue so that its slots follow.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import transaction

from venues.models import BookingPolicy, Closure, OpeningRule, Resource, Sport, Venue


@dataclass(frozen=True)
class RuleSpec:
    """One weekly opening rule of a resource; `(weekday, opens_at)` identifies it."""

    weekday: int
    opens_at: dt.time
    closes_at: dt.time
    slot_minutes: int = 60
    price: Decimal = Decimal("0.00")
    capacity: int | None = None
    public_benefit: bool = False


def upsert_sport(*, code: str, name_zh: str, name_en: str) -> Sport:
    """Create or update a sport by its code."""
    sport, _ = Sport.objects.update_or_create(
        code=code, defaults={"name_zh": name_zh, "name_en": name_en}
    )
    return sport


@transaction.atomic
def upsert_venue(
    *,
    slug: str,
    fields: Mapping[str, Any],
    sports: Iterable[Sport] = (),
    policy: Mapping[str, Any] | None = None,
) -> Venue:
    """Create or update a venue by slug, set its sports and (optionally) its booking policy."""
    venue, _ = Venue.objects.update_or_create(slug=slug, defaults=dict(fields))
    venue.sports.set(list(sports))
    if policy is not None:
        BookingPolicy.objects.update_or_create(venue=venue, defaults=dict(policy))
    return venue


@transaction.atomic
def upsert_resource(
    *,
    venue: Venue,
    name_zh: str,
    fields: Mapping[str, Any],
    rules: Iterable[RuleSpec] | None = None,
) -> Resource:
    """Create or update a venue's resource by its Chinese name; replace its rules if given.

    Rules are matched on (weekday, opens_at) so that unchanged rules keep their ids (slots
    point at them); rules not listed are deleted (their slots keep their terms, `rule` is
    set to NULL and the next slot generation closes the ones without bookings).
    """
    resource, _ = Resource.objects.update_or_create(
        venue=venue, name_zh=name_zh, defaults=dict(fields)
    )
    if rules is not None:
        set_opening_rules(resource=resource, rules=rules)
    return resource


@transaction.atomic
def set_opening_rules(*, resource: Resource, rules: Iterable[RuleSpec]) -> list[OpeningRule]:
    """Make a resource's weekly rules exactly `rules`, keeping the ids of unchanged ones.

    One query when nothing changed; rules are matched on (weekday, opens_at).
    """
    existing = {(r.weekday, r.opens_at): r for r in OpeningRule.objects.filter(resource=resource)}
    kept: list[OpeningRule] = []
    for spec in rules:
        values = {
            "closes_at": spec.closes_at,
            "slot_minutes": spec.slot_minutes,
            "price": spec.price,
            "capacity": spec.capacity,
            "public_benefit": spec.public_benefit,
            "valid_from": None,
            "valid_until": None,
        }
        rule = existing.pop((spec.weekday, spec.opens_at), None)
        if rule is None:
            rule = OpeningRule.objects.create(
                resource=resource, weekday=spec.weekday, opens_at=spec.opens_at, **values
            )
        elif any(getattr(rule, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(rule, k, v)
            rule.save(update_fields=list(values))
        kept.append(rule)
    if existing:
        OpeningRule.objects.filter(pk__in=[r.pk for r in existing.values()]).delete()
    return kept


def add_closure(
    *,
    venue: Venue,
    start_date: dt.date,
    end_date: dt.date,
    reason: str,
    resource: Resource | None = None,
) -> Closure:
    """Record that a venue (or one resource) is closed on the given days, once.

    Run `generate_slots` afterwards to close the affected slots.
    """
    closure, _ = Closure.objects.get_or_create(
        venue=venue,
        resource=resource,
        start_date=start_date,
        end_date=end_date,
        defaults={"reason": reason},
    )
    return closure


def add_venue_staff(*, venue: Venue, user: AbstractBaseUser) -> None:
    """Let `user` manage `venue` (idempotent)."""
    venue.staff.add(cast(User, user))  # AUTH_USER_MODEL is auth.User
