"""Slot generation: turn weekly opening rules and closures into slots for a rolling window.

`generate_slots` is idempotent: it computes the slots the rules want, compares them with the
slots that exist, and writes only the difference. Bookings are never touched, and a slot with
active bookings keeps its terms (time, price, places): residents booked those terms. Closures are
the one change that reaches booked slots, and only their `is_closed` flag: nobody new can book,
existing bookings stay for staff to handle.
"""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from booking.models import Booking, Slot
from booking.rules import local_tz
from common.errors import InvalidInputError
from venues.models import Closure, OpeningRule, Resource, Venue

MAX_DAYS = 366
BATCH_SIZE = 500
NOT_OFFERED_REASON = "暂不开放 Not offered at this time"
OVERLAP_REASON = "与已预约时段重叠 Overlaps a booked slot"
# The fields a rule decides; a slot's terms. `remaining` follows `places` on unbooked slots.
TERM_FIELDS = ("rule_id", "ends_at", "capacity", "places", "price", "public_benefit")
TERM_COLUMNS = ("rule", "ends_at", "capacity", "places", "price", "public_benefit")


@dataclass
class GenerationSummary:
    """What one run did; every count is of slots."""

    start: dt.date
    days: int
    resources: int = 0
    created: int = 0
    updated: int = 0  # unbooked slots whose terms followed a changed rule
    closed: int = 0  # open -> closed (closures, rules gone, overlaps)
    reopened: int = 0  # closed -> open (closure lifted, rule back)
    unchanged: int = 0
    kept_booked: int = 0  # booked slots whose rule changed or went away: left as booked
    skipped_overlap: int = 0  # rule slots not offered because they overlap a booked slot

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _Wanted:
    """A slot as the rules want it."""

    resource_id: int
    venue_id: int
    rule_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    places: int
    price: Decimal
    public_benefit: bool


def generate_slots(
    *,
    start: dt.date,
    days: int,
    venue: Venue | None = None,
    now: dt.datetime | None = None,
) -> GenerationSummary:
    """Create and update the slots of `days` local days from `start` (one venue or all).

    Invariants: at most one slot per (resource, starts_at) (run it twice, nothing doubles);
    slots that have started are never changed; a slot with active bookings keeps its terms and
    its bookings, and is only closed (never reopened into different terms) by a closure; an
    unbooked slot follows its rule, or is closed when no rule offers it any more (never deleted:
    nothing may point at it from elsewhere, and closing is reversible); rule slots that would
    overlap a booked slot of the same resource are not offered.

    Raises InvalidInputError when `days` is outside 1..MAX_DAYS.
    """
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInputError(f"days must be between 1 and {MAX_DAYS}.", code="invalid_days")
    now = now or timezone.now()
    tz = local_tz()
    window_start = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    window_end = window_start + dt.timedelta(days=days)
    summary = GenerationSummary(start=start, days=days)

    resources = _resources(venue)
    summary.resources = len(resources)
    offered = [r for r in resources if r.is_active and r.venue.is_active]
    closures = _ClosureIndex(
        Closure.objects.filter(
            start_date__lte=start + dt.timedelta(days=days - 1), end_date__gte=start
        ).filter(**({"venue_id": venue.pk} if venue else {}))
    )
    wanted = _wanted_slots(
        resources=offered,
        rules=OpeningRule.objects.filter(resource__in=offered).order_by(
            "weekday", "opens_at", "pk"
        ),
        start=start,
        days=days,
        now=now,
    )

    existing = list(
        Slot.objects.filter(starts_at__lt=window_end, ends_at__gt=window_start)
        .filter(**({"venue_id": venue.pk} if venue else {}))
        .annotate(booked=Exists(Booking.objects.active().filter(slot_id=OuterRef("pk"))))
    )
    # `booked` is the annotation above; the stubs do not carry it through list().
    overlapping = _drop_overlaps(wanted, booked=[s for s in existing if s.booked])  # type: ignore[attr-defined]
    summary.skipped_overlap = len(overlapping)

    term_updates: list[Slot] = []
    flag_updates: list[Slot] = []
    for slot in existing:
        if slot.starts_at <= now or slot.starts_at < window_start:
            continue  # started, or only looked at for overlaps
        want = wanted.pop((slot.resource_id, slot.starts_at), None)
        closure = closures.reason(
            slot.venue_id, slot.resource_id, slot.starts_at.astimezone(tz).date()
        )
        if slot.booked:  # type: ignore[attr-defined]  # the annotation above
            change = _plan_booked(slot, want, closure)
            if want is None or _terms(want) != _terms_of(slot):
                summary.kept_booked += 1
            if change:
                flag_updates.append(slot)
        else:
            gone_reason = (
                OVERLAP_REASON
                if (slot.resource_id, slot.starts_at) in overlapping
                else NOT_OFFERED_REASON
            )
            change = _plan_unbooked(slot, want, closure, gone_reason)
            if change:
                term_updates.append(slot)
        _count(summary, change)

    created = [
        _new_slot(w, closures.reason(w.venue_id, w.resource_id, w.starts_at.astimezone(tz).date()))
        for w in wanted.values()
    ]
    summary.created = len(created)
    _write(
        created=created,
        term_updates=term_updates,
        flag_updates=flag_updates,
        now=now,
        summary=summary,
    )
    return summary


# --- planning ---------------------------------------------------------------------------


def _resources(venue: Venue | None) -> list[Resource]:
    qs = Resource.objects.select_related("venue").only(
        "id", "venue_id", "exclusive", "capacity", "is_active", "venue__is_active"
    )
    if venue is not None:
        qs = qs.filter(venue_id=venue.pk)
    return list(qs)


def _wanted_slots(
    *,
    resources: Sequence[Resource],
    rules: Iterable[OpeningRule],
    start: dt.date,
    days: int,
    now: dt.datetime,
) -> dict[tuple[int, dt.datetime], _Wanted]:
    by_resource = {r.pk: r for r in resources}
    rules_by_weekday: dict[int, list[OpeningRule]] = defaultdict(list)
    for rule in rules:
        rules_by_weekday[rule.weekday].append(rule)
    tz = local_tz()
    wanted: dict[tuple[int, dt.datetime], _Wanted] = {}
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for rule in rules_by_weekday[day.weekday()]:
            if not rule.applies_on(day):
                continue
            resource = by_resource[rule.resource_id]
            capacity = rule.capacity or resource.capacity
            step = dt.timedelta(minutes=rule.slot_minutes)
            # Asia/Shanghai has no DST, so wall-clock arithmetic on aware datetimes is exact.
            begin = dt.datetime.combine(day, rule.opens_at, tzinfo=tz)
            close = dt.datetime.combine(day, rule.closes_at, tzinfo=tz)
            while begin + step <= close:
                key = (resource.pk, begin)
                # Overlapping rules of one resource: the earliest-opening rule wins, stably.
                if begin > now and key not in wanted:
                    wanted[key] = _Wanted(
                        resource_id=resource.pk,
                        venue_id=resource.venue_id,
                        rule_id=rule.pk,
                        starts_at=begin,
                        ends_at=begin + step,
                        capacity=capacity,
                        places=1 if resource.exclusive else capacity,
                        price=rule.price,
                        public_benefit=rule.public_benefit,
                    )
                begin += step
    return wanted


def _drop_overlaps(
    wanted: dict[tuple[int, dt.datetime], _Wanted], *, booked: Sequence[Slot]
) -> set[tuple[int, dt.datetime]]:
    """Remove wanted slots that overlap a booked slot with another start; return their keys.

    After a change of slot length, offering 09:30-11:00 next to a booked 09:00-10:00 would let
    two parties book the same court at 10:00 (on SQLite nothing else would stop it).
    """
    by_resource: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for slot in booked:
        by_resource[slot.resource_id].append((slot.starts_at, slot.ends_at))
    longest: dict[int, dt.timedelta] = {}
    starts: dict[int, list[dt.datetime]] = {}
    for resource_id, spans in by_resource.items():
        spans.sort()
        starts[resource_id] = [s for s, _ in spans]
        longest[resource_id] = max(e - s for s, e in spans)
    dropped: set[tuple[int, dt.datetime]] = set()
    for key, want in wanted.items():
        resource_spans = by_resource.get(want.resource_id)
        if not resource_spans:
            continue
        # Only spans starting after (want.starts_at - longest) can reach into it.
        lo = bisect.bisect_right(
            starts[want.resource_id], want.starts_at - longest[want.resource_id]
        )
        hi = bisect.bisect_left(starts[want.resource_id], want.ends_at)
        if any(
            s != want.starts_at and s < want.ends_at and e > want.starts_at
            for s, e in resource_spans[lo:hi]
        ):
            dropped.add(key)
    for key in dropped:
        del wanted[key]
    return dropped


class _ClosureIndex:
    """Closure reasons by local day: venue-wide ones and those of a single resource."""

    def __init__(self, closures: Iterable[Closure]) -> None:
        self._closures = list(closures)

    def reason(self, venue_id: int, resource_id: int, day: dt.date) -> str | None:
        for closure in self._closures:
            if (
                closure.venue_id == venue_id
                and closure.resource_id in (None, resource_id)
                and closure.start_date <= day <= closure.end_date
            ):
                return closure.reason or "关闭 Closed"
        return None


def _terms(want: _Wanted) -> tuple[object, ...]:
    return tuple(getattr(want, f) for f in TERM_FIELDS)


def _terms_of(slot: Slot) -> tuple[object, ...]:
    return tuple(getattr(slot, f) for f in TERM_FIELDS)


# A planned change of one slot: None (nothing), "closed", "reopened" or "updated".
Change = str | None


def _plan_booked(slot: Slot, want: _Wanted | None, closure: str | None) -> Change:
    """Booked slots only open and close; their terms and remaining places stay."""
    if closure is not None:
        return _set_flag(slot, closed=True, reason=closure)
    if slot.is_closed and want is not None:
        # The closure was lifted and the rule still offers this time: existing bookings stand
        # and `remaining` already counts them, so reopening sells only what is really left.
        return _set_flag(slot, closed=False, reason="")
    if slot.is_closed and want is None:
        # Closure lifted but no rule offers this time any more: stays closed, say why.
        return _set_flag(slot, closed=True, reason=NOT_OFFERED_REASON)
    return None


def _plan_unbooked(
    slot: Slot, want: _Wanted | None, closure: str | None, gone_reason: str
) -> Change:
    terms_changed = False
    if want is not None:
        if _terms(want) != _terms_of(slot) or slot.remaining != want.places:
            for name in TERM_FIELDS:
                setattr(slot, name, getattr(want, name))
            slot.remaining = want.places
            terms_changed = True
        closed, reason = (closure is not None), (closure or "")
    else:
        # Closed rather than deleted: reversible, and keeps the row for whoever refers to it.
        closed, reason = True, (closure or gone_reason)
    flag = _set_flag(slot, closed=closed, reason=reason)
    if flag in ("closed", "reopened"):
        return flag
    return "updated" if terms_changed or flag == "updated" else None


def _set_flag(slot: Slot, *, closed: bool, reason: str) -> Change:
    if slot.is_closed == closed and slot.closed_reason == reason:
        return None
    change: Change = "updated"
    if closed and not slot.is_closed:
        change = "closed"
    elif not closed and slot.is_closed:
        change = "reopened"
    slot.is_closed, slot.closed_reason = closed, reason
    return change


def _count(summary: GenerationSummary, change: Change) -> None:
    if change is None:
        summary.unchanged += 1
    else:
        setattr(summary, change, getattr(summary, change) + 1)


def _new_slot(want: _Wanted, closure: str | None) -> Slot:
    return Slot(
        resource_id=want.resource_id,
        venue_id=want.venue_id,
        rule_id=want.rule_id,
        starts_at=want.starts_at,
        ends_at=want.ends_at,
        capacity=want.capacity,
        places=want.places,
        remaining=want.places,
        price=want.price,
        public_benefit=want.public_benefit,
        is_closed=closure is not None,
        closed_reason=closure or "",
    )


# --- writing ----------------------------------------------------------------------------


def _write(
    *,
    created: list[Slot],
    term_updates: list[Slot],
    flag_updates: list[Slot],
    now: dt.datetime,
    summary: GenerationSummary,
) -> None:
    with transaction.atomic():
        # A concurrent run may have inserted the same (resource, starts_at): the unique
        # constraint keeps one, and ignoring the conflict keeps this run going.
        Slot.objects.bulk_create(created, batch_size=BATCH_SIZE, ignore_conflicts=True)
        for batch in _batches(term_updates):
            _update_unbooked(batch, now=now, summary=summary)
        for batch in _batches(flag_updates):
            for slot in batch:
                slot.updated_at = now
            # Only the flag and its reason: `remaining` belongs to place_booking/cancel_booking.
            Slot.objects.bulk_update(batch, ["is_closed", "closed_reason", "updated_at"])


def _update_unbooked(batch: list[Slot], *, now: dt.datetime, summary: GenerationSummary) -> None:
    ids = [s.pk for s in batch]
    # Lock the rows (in pk order, the global order), then re-check for bookings placed since
    # the plan was read: place_booking takes the slot row first, so after these locks no new
    # booking can appear on them until commit.
    list(Slot.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    booked_since = set(
        Booking.objects.active().filter(slot_id__in=ids).values_list("slot_id", flat=True)
    )
    safe = [s for s in batch if s.pk not in booked_since]
    # Rare race: a booking arrived between planning and locking; leave that slot for next run.
    summary.kept_booked += len(batch) - len(safe)
    for slot in safe:
        slot.updated_at = now
    Slot.objects.bulk_update(
        safe, [*TERM_COLUMNS, "remaining", "is_closed", "closed_reason", "updated_at"]
    )


def _batches(items: list[Slot]) -> Iterable[list[Slot]]:
    for i in range(0, len(items), BATCH_SIZE):
        yield items[i : i + BATCH_SIZE]
