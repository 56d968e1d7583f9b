"""Reads of slot availability: the venue day view, the slot list, and which venues have free
places on a day (the venue search of the API and the pages).

The day view is the hottest read of the rush (everyone refreshes it before release time), so it
runs three small queries whatever the number of resources and slots, reads only the columns it
renders, and computes the booking window once per day instead of once per slot.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language

from booking import hooks, rules
from booking.exceptions import SlotNotFoundError
from booking.models import Slot, free_slot_condition
from common.errors import InvalidInputError
from venues.exceptions import VenueNotFoundError
from venues.models import BookingPolicy, Resource, Venue
from venues.policies import default_policy, policy_for
from venues.selectors import parse_venue_pk

MAX_DAYS = 14

# Why a slot cannot be booked; None when it can.
CLOSED = "closed"
PAST = "past"
WINDOW_NOT_OPEN = "window_not_open"
FULL = "full"
# A paid slot while no payment provider is configured (settings.STRIPE_ENABLED off): booking it
# would be refused with 422 `payment_unavailable`, so it is not offered as bookable.
PAYMENT_UNAVAILABLE = "payment_unavailable"
# Allocated by a ballot round that has not released it yet (booking.hooks, allocation app).
BALLOT = "ballot"
REASONS = (WINDOW_NOT_OPEN, FULL, PAST, CLOSED, PAYMENT_UNAVAILABLE, BALLOT)
FCFS = "fcfs"


@dataclass(slots=True)
class SlotAvailability:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    remaining: int
    price: Decimal
    public_benefit: bool
    reason: str | None
    opens_at: dt.datetime | None  # set when the reason is window_not_open
    closed_reason: str
    allocation: str = FCFS  # "fcfs", or the kind of a registered slot allocator ("ballot")
    ballot: int | None = None  # the round that allocates the slot

    @property
    def bookable(self) -> bool:
        return self.reason is None


@dataclass(slots=True)
class ResourceAvailability:
    id: int
    name_zh: str
    name_en: str
    exclusive: bool
    capacity: int
    sport: str | None
    slots: list[SlotAvailability] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The active language's name, falling back to Chinese (as `Resource.name`)."""
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh or self.name_en


@dataclass(slots=True)
class Availability:
    venue: int
    date: dt.date
    days: int
    resources: list[ResourceAvailability]


def online_payment_available() -> bool:
    """Whether paid slots can be paid for online (a payment provider is configured)."""
    return bool(settings.STRIPE_ENABLED)


def slot_reason(
    *,
    starts_at: dt.datetime,
    remaining: int,
    is_closed: bool,
    opens_at: dt.datetime,
    now: dt.datetime,
    price: Decimal = Decimal(0),
    payable: bool = True,
) -> str | None:
    """Why a slot cannot be booked now, in the order a resident would want to hear it.

    `payable` says whether online payment is available (`online_payment_available()`); without
    it a paid slot is `payment_unavailable` (place_booking refuses it with that code) before
    any reason that may pass with time (window, places): it will never be bookable online.
    """
    if is_closed:
        return CLOSED
    if starts_at <= now:
        return PAST
    if price > 0 and not payable:
        return PAYMENT_UNAVAILABLE
    if now < opens_at:
        return WINDOW_NOT_OPEN
    if remaining <= 0:
        return FULL
    return None


def get_availability(
    *,
    venue_id: Any = None,
    venue: Venue | None = None,
    date: dt.date,
    days: int = 1,
    now: dt.datetime | None = None,
) -> Availability:
    """Every slot of every active resource of a venue on `days` local days from `date`.

    Pass `venue_id`, or a `venue` already loaded (with its policy: saves a query). Three
    queries whatever the size of the venue. Raises VenueNotFoundError for an unknown or
    inactive venue, InvalidInputError when `days` is outside 1..MAX_DAYS.
    """
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInputError(
            f"days must be between 1 and {MAX_DAYS}.",
            code="invalid_filter",
            fields={"days": [f"Must be between 1 and {MAX_DAYS}."]},
        )
    now = now or timezone.now()
    policy = _policy_of(venue_id) if venue is None else _loaded_policy(venue)
    resources = {
        row[0]: ResourceAvailability(*row)
        for row in Resource.objects.filter(venue_id=policy.venue_id, is_active=True)
        .order_by("sort_order", "id")
        .values_list("id", "name_zh", "name_en", "exclusive", "capacity", "sport__code")
    }
    day_starts = [rules.day_bounds(date + dt.timedelta(days=i))[0] for i in range(days + 1)]
    # A day's slots all open together: one window computation per day, not per slot.
    opens = [rules.booking_opens_at(starts_at=d, policy=policy) for d in day_starts[:-1]]
    payable = online_payment_available()
    # Slots another app allocates (a ballot round), read in the same query (booking.hooks).
    allocations = hooks.slot_allocation_annotations(now=now)
    kinds = [kind for kind, _expression in allocations.values()]
    rows = (
        Slot.objects.filter(
            venue_id=policy.venue_id,
            resource_id__in=list(resources),
            starts_at__gte=day_starts[0],
            starts_at__lt=day_starts[-1],
        )
        .annotate(**{name: expression for name, (_kind, expression) in allocations.items()})
        .order_by("starts_at", "resource_id")
        .values_list(
            "id",
            "resource_id",
            "starts_at",
            "ends_at",
            "capacity",
            "remaining",
            "price",
            "public_benefit",
            "is_closed",
            "closed_reason",
            *allocations,
        )
    )
    day = 0
    for (
        pk,
        resource_id,
        starts_at,
        ends_at,
        capacity,
        remaining,
        price,
        benefit,
        closed,
        why,
        *allocated_by,
    ) in rows:
        while starts_at >= day_starts[day + 1]:
            day += 1  # rows are ordered by start: the day index only moves forward
        reason = slot_reason(
            starts_at=starts_at,
            remaining=remaining,
            is_closed=closed,
            opens_at=opens[day],
            now=now,
            price=price,
            payable=payable,
        )
        resources[resource_id].slots.append(
            SlotAvailability(
                id=pk,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
                remaining=remaining,
                price=price,
                public_benefit=benefit,
                reason=reason,
                opens_at=opens[day] if reason == WINDOW_NOT_OPEN else None,
                closed_reason=why,
            )
        )
        for kind, ref in zip(kinds, allocated_by, strict=True):
            if ref is not None:
                _mark_allocated(resources[resource_id].slots[-1], kind=kind, ref=ref)
                break
    return Availability(
        venue=policy.venue_id, date=date, days=days, resources=list(resources.values())
    )


def _mark_allocated(slot: SlotAvailability, *, kind: str, ref: int) -> None:
    """A slot another app allocates is not bookable first-come (unless closed or past anyway:
    those reasons stay, being final)."""
    slot.allocation, slot.ballot = kind, ref
    if slot.reason not in (CLOSED, PAST):
        slot.reason, slot.opens_at = BALLOT, None


def _loaded_policy(venue: Venue) -> BookingPolicy:
    if not venue.is_active:
        raise VenueNotFoundError()
    return policy_for(venue)


def _policy_of(venue_id: Any) -> BookingPolicy:
    """The venue's policy (an unsaved default when it has none), in one query."""
    pk = parse_venue_pk(venue_id)
    row = (
        Venue.objects.filter(pk=pk, is_active=True)
        .values_list("policy__window_days", "policy__release_time")
        .first()
    )
    if row is None:
        raise VenueNotFoundError()
    window_days, release_time = row
    if window_days is None:
        return default_policy(venue_id=pk)
    return BookingPolicy(venue_id=pk, window_days=window_days, release_time=release_time)


def list_slots(
    *,
    venue_id: int | None = None,
    resource_id: int | None = None,
    date: dt.date | None = None,
    available: bool | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Slot]:
    """Slots of active resources, by start; without `date`, those that have not ended.

    `available=True` keeps open slots with places left that have not started; `False` keeps
    the others. Each slot carries `window_days` and `release_time` of its venue's policy (NULL
    without a policy) so that `reason_for` needs no further query.
    """
    now = now or timezone.now()
    slots = Slot.objects.filter(venue__is_active=True, resource__is_active=True)
    if venue_id is not None:
        slots = slots.filter(venue_id=venue_id)
    if resource_id is not None:
        slots = slots.filter(resource_id=resource_id)
    if date is not None:
        day_start, day_end = rules.day_bounds(date)
        slots = slots.filter(starts_at__gte=day_start, starts_at__lt=day_end)
    else:
        slots = slots.filter(ends_at__gt=now)
    if available is not None:
        free = free_slot_condition(now=now)
        slots = slots.filter(free if available else ~free)
    return _annotate_allocations(
        slots.annotate(
            window_days=F("venue__policy__window_days"),
            release_time=F("venue__policy__release_time"),
        ),
        now=now,
    ).order_by("starts_at", "resource_id", "pk")


def _annotate_allocations(slots: QuerySet[Slot], *, now: dt.datetime) -> QuerySet[Slot]:
    """Each slot with what allocates it (booking.hooks), read in the same query."""
    marks = hooks.slot_allocation_annotations(now=now)
    return slots.annotate(**{name: expression for name, (_kind, expression) in marks.items()})


def allocation_of(slot: Slot) -> tuple[str, int | None]:
    """(allocation kind, ref) of a slot from `list_slots` / `get_slot`: ("fcfs", None) unless
    a registered allocator holds it."""
    for name, kind in hooks.slot_allocation_names().items():
        ref = getattr(slot, name, None)
        if ref is not None:
            return kind, ref
    return FCFS, None


def reason_for(slot: Slot, *, now: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """(reason, opens_at) of a slot from `list_slots`; opens_at only for window_not_open."""
    window_days = getattr(slot, "window_days", None)
    policy = None
    if window_days is not None:
        policy = BookingPolicy(window_days=window_days, release_time=slot.release_time)  # type: ignore[attr-defined]
    opens_at = rules.booking_opens_at(starts_at=slot.starts_at, policy=policy)
    reason = slot_reason(
        starts_at=slot.starts_at,
        remaining=slot.remaining,
        is_closed=slot.is_closed,
        opens_at=opens_at,
        now=now,
        price=slot.price,
        payable=online_payment_available(),
    )
    if reason not in (CLOSED, PAST) and allocation_of(slot)[1] is not None:
        return BALLOT, None
    return reason, opens_at if reason == WINDOW_NOT_OPEN else None


def get_slot(*, slot_id: Any) -> Slot:
    """One slot of an active resource, annotated as by `list_slots`.

    Raises SlotNotFoundError for an unknown or malformed id.
    """
    try:
        pk = int(slot_id)
    except (TypeError, ValueError) as exc:
        raise SlotNotFoundError() from exc
    slot = _annotate_allocations(
        Slot.objects.filter(pk=pk, venue__is_active=True, resource__is_active=True).annotate(
            window_days=F("venue__policy__window_days"),
            release_time=F("venue__policy__release_time"),
        ),
        now=timezone.now(),
    ).first()
    if slot is None:
        raise SlotNotFoundError()
    return slot


def list_venues_free_on(
    *, venues: QuerySet[Venue], day: dt.date, now: dt.datetime | None = None
) -> QuerySet[Venue]:
    """Keep the venues of `venues` that have a free slot (`Slot.objects.free`) on the
    Asia/Shanghai day `day`: the `available_on` filter of the venue search.

    The filter lives here, not in `venues.selectors`, because venues does not depend on booking.
    """
    day_start, day_end = rules.day_bounds(day)
    free = Slot.objects.free(now=now or timezone.now()).filter(
        venue_id=OuterRef("pk"), starts_at__gte=day_start, starts_at__lt=day_end
    )
    return venues.filter(Exists(free))


def get_free_places_by_venue(
    *, venues: list[Venue], day: dt.date, now: dt.datetime
) -> dict[int, int]:
    """Free places per venue on `day`, in free slots whose booking window is open now (paid ones
    only while online payment is available): what a resident could book there right now.

    One query for any number of venues (their policies loaded with `select_related("policy")`).
    """
    day_start, day_end = rules.day_bounds(day)
    open_ids = [
        venue.pk
        for venue in venues
        if rules.booking_opens_at(starts_at=day_start, policy=policy_for(venue)) <= now
    ]
    if not open_ids:
        return {}
    slots = Slot.objects.free(now=now).filter(
        venue_id__in=open_ids, starts_at__gte=day_start, starts_at__lt=day_end
    )
    if not online_payment_available():
        slots = slots.filter(price=0)  # paid places cannot be booked online (payment_unavailable)
    rows = slots.values("venue_id").annotate(free=Sum("remaining"))
    return {row["venue_id"]: row["free"] for row in rows}
