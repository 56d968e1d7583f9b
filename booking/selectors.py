"""Reads of the booking app: who may see which bookings, and the one read a booking needs."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from booking import rules
from booking.exceptions import BookingNotFoundError
from booking.models import Booking, BookingQuerySet, ResidentStanding, Slot
from common import feeds
from common.db.rows import RowReader
from common.feeds import FeedWindow
from venues.models import BookingPolicy, Resource, Venue

WHEN_UPCOMING = "upcoming"
WHEN_PAST = "past"


def is_venue_staff(*, user: AbstractBaseUser | AnonymousUser, venue_id: int) -> bool:
    """Whether the user works at the venue; district admins (`is_staff`) count for every venue."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    # staffed_venues: the reverse of Venue.staff, on the concrete user model.
    return bool(user.staffed_venues.filter(pk=venue_id).exists())  # type: ignore[attr-defined]


def _with_relations(queryset: BookingQuerySet) -> BookingQuerySet:
    # Everything a booking's JSON shows, in the same query: no N+1 on a list page.
    return queryset.select_related("resource", "venue__policy")


def list_bookings_for(
    *,
    user: AbstractBaseUser,
    venue_id: int | None = None,
    status: str | None = None,
    when: str | None = None,
    now: dt.datetime | None = None,
) -> BookingQuerySet:
    """The bookings a user may list.

    Residents only ever see their own; `venue_id` narrows them to one venue. Staff of that venue
    (and district admins) see every booking of it. `status` is one of `Booking.Status`; `when`
    is "upcoming" (not yet ended, soonest first) or "past" (ended, latest first); without it,
    latest start first.
    """
    queryset = Booking.objects.all()
    if venue_id is not None and is_venue_staff(user=user, venue_id=venue_id):
        queryset = queryset.filter(venue_id=venue_id)
    else:
        queryset = queryset.filter(resident_id=user.pk)
        if venue_id is not None:
            queryset = queryset.filter(venue_id=venue_id)
    if status:
        queryset = queryset.filter(status=status)
    now = now or timezone.now()
    if when == WHEN_UPCOMING:
        queryset = queryset.filter(ends_at__gt=now).order_by("starts_at", "id")
    elif when == WHEN_PAST:
        queryset = queryset.filter(ends_at__lte=now).order_by("-starts_at", "-id")
    else:
        queryset = queryset.order_by("-starts_at", "-id")
    return _with_relations(queryset)


def get_booking_for(*, user: AbstractBaseUser, booking_id: int) -> Booking:
    """One booking the user may see: their own, or any of a venue they staff.

    Raises BookingNotFoundError for a missing booking and for one the user may not see alike,
    so that ids of other residents' bookings reveal nothing.
    """
    try:
        booking = _with_relations(Booking.objects.all()).get(pk=booking_id)
    except Booking.DoesNotExist as exc:
        raise BookingNotFoundError() from exc
    if booking.resident_id != user.pk and not is_venue_staff(user=user, venue_id=booking.venue_id):
        raise BookingNotFoundError()
    return booking


# --- the read behind every booking attempt --------------------------------------------------------


@dataclass(frozen=True)
class ResidentLookup:
    """Which user a booking read is for: an SQL expression that yields the user's id.

    `ResidentLookup.by_id(pk)` for a user already known; the API passes an expression over its
    token table, so that authenticating an attempt and reading its slot are one statement.
    """

    sql: str
    params: tuple[Any, ...]

    @classmethod
    def by_id(cls, user_id: int) -> "ResidentLookup":
        return cls("%s", (user_id,))


@dataclass(frozen=True)
class SlotForBooking:
    """A slot with its resource, venue and policy loaded, and the resident's state."""

    resident: Any  # the AUTH_USER_MODEL instance the lookup found
    slot: Slot | None  # None: no such slot; else `slot.resource`, `slot.venue` and
    # `slot.venue.policy` need no further query
    policy: BookingPolicy | None
    suspended_until: dt.datetime | None
    own_booking_id: int | None  # the resident's active booking of this slot
    keyed_booking_id: int | None  # the resident's booking made with this Idempotency-Key


RESIDENT_FIELDS = ("id", "username", "is_active", "is_staff", "is_superuser")
VENUE_FIELDS = ("id", "slug", "name_zh", "name_en", "kind", "is_active")


class _SlotRead:
    """The SQL of `get_slot_for_booking`, built once per resident lookup from the models' metadata."""

    def __init__(self, lookup_sql: str) -> None:
        # Every column of the slot, resource and policy, which the rules read; of the user and
        # the venue, what the booking and its answer show (the rest is deferred: loaded only
        # if read). Each column costs psycopg and RowReader time on every attempt.
        self.resident = RowReader(get_user_model(), "me", RESIDENT_FIELDS)
        self.readers = [
            RowReader(Slot, "s"),
            RowReader(Resource, "r"),
            RowReader(Venue, "v", VENUE_FIELDS),
            RowReader(BookingPolicy, "p"),
        ]
        self.standing = RowReader(ResidentStanding, "st")
        booking = Booking._meta.db_table
        statuses = ", ".join(f"'{s}'" for s in Booking.ACTIVE_STATUSES)
        # The resident row leads: no row means no such user, a row without slot columns means
        # no such slot. Each subquery is one probe of a unique index: standing (user), active
        # booking (slot, resident) and Idempotency-Key (resident, key).
        self.sql = f"""
            WITH me AS (
              SELECT * FROM {get_user_model()._meta.db_table} u WHERE u.id = {lookup_sql}
            )
            SELECT {self.resident.sql}, {", ".join(reader.sql for reader in self.readers)},
              (SELECT st.suspended_until FROM {ResidentStanding._meta.db_table} st
                WHERE st.user_id = me.id AND st.suspended_until > %s),
              (SELECT b.id FROM {booking} b WHERE b.resident_id = me.id AND b.slot_id = s.id
                AND b.status IN ({statuses}) LIMIT 1),
              (SELECT b.id FROM {booking} b WHERE b.resident_id = me.id
                AND b.idempotency_key = %s AND b.idempotency_key <> '' LIMIT 1)
            FROM me
            LEFT JOIN {Slot._meta.db_table} s ON s.id = %s
            LEFT JOIN {Resource._meta.db_table} r ON r.id = s.resource_id
            LEFT JOIN {Venue._meta.db_table} v ON v.id = s.venue_id
            LEFT JOIN {BookingPolicy._meta.db_table} p ON p.venue_id = s.venue_id
        """

    def run(
        self, *, slot_id: int, resident: ResidentLookup, idempotency_key: str, now: dt.datetime
    ) -> SlotForBooking | None:
        db = connections[DEFAULT_DB_ALIAS]  # once per read: each lookup costs a few microseconds
        params = [*resident.params, db.ops.adapt_datetimefield_value(now), idempotency_key, slot_id]
        with db.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        user = self.resident.instance(row[: self.resident.width], db)
        parts, start = [], self.resident.width
        for reader in self.readers:
            parts.append(row[start : start + reader.width])
            start += reader.width
        slot_row, resource_row, venue_row, policy_row = parts
        suspended_until, own_booking_id, keyed_booking_id = row[start:]
        if suspended_until is not None:
            suspended_until = self.standing.convert("suspended_until", suspended_until, db)
        if slot_row[0] is None:
            return SlotForBooking(user, None, None, suspended_until, None, keyed_booking_id)
        slot: Slot = self.readers[0].instance(slot_row, db)
        resource: Resource = self.readers[1].instance(resource_row, db)
        venue: Venue = self.readers[2].instance(venue_row, db)
        policy = self.readers[3].instance(policy_row, db) if policy_row[0] is not None else None
        # Wire the relations as select_related would, so that nothing below queries again.
        Slot.resource.field.set_cached_value(slot, resource)
        Slot.venue.field.set_cached_value(slot, venue)
        Venue.policy.related.set_cached_value(venue, policy)
        if policy is not None:
            BookingPolicy.venue.field.set_cached_value(policy, venue)
        return SlotForBooking(
            resident=user,
            slot=slot,
            policy=policy,
            suspended_until=suspended_until,
            own_booking_id=own_booking_id,
            keyed_booking_id=keyed_booking_id,
        )


_slot_reads: dict[str, _SlotRead] = {}  # per lookup expression


def get_slot_for_booking(
    *, slot_id: int, resident: ResidentLookup, idempotency_key: str, now: dt.datetime
) -> SlotForBooking | None:
    """Everything a booking attempt checks, in one query; None when the lookup finds no user
    (`slot` is None when the slot does not exist).

    This is the only read of a refused attempt in a rush, so it is one hand-written statement:
    compiling the equivalent ORM query (three subqueries, four joins) costs more CPU than the
    database spends running it.
    """
    read = _slot_reads.get(resident.sql)
    if read is None:
        read = _slot_reads[resident.sql] = _SlotRead(resident.sql)
    return read.run(slot_id=slot_id, resident=resident, idempotency_key=idempotency_key, now=now)


_booking_reader: list[RowReader] = []


def booking_reader() -> RowReader:
    """Reads every Booking column under the alias `b`."""
    if not _booking_reader:
        _booking_reader.append(RowReader(Booking, "b"))
    return _booking_reader[0]


def get_own_booking(*, resident_id: int, slot: Slot, idempotency_key: str) -> Booking | None:
    """The resident's booking made with this Idempotency-Key (on any slot), else their active
    booking of `slot`; None when there is neither.

    A booking of `slot` shares its already loaded resource, venue and policy.
    """
    reader = booking_reader()
    statuses = ", ".join(["%s"] * len(Booking.ACTIVE_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {reader.sql} FROM {Booking._meta.db_table} b WHERE b.resident_id = %s "
            f"AND ((b.slot_id = %s AND b.status IN ({statuses})) "
            "OR (b.idempotency_key = %s AND b.idempotency_key <> '')) "
            # The keyed booking first: it decides between a replay and a reused key.
            "ORDER BY CASE WHEN b.idempotency_key = %s THEN 0 ELSE 1 END LIMIT 1",
            [
                resident_id,
                slot.pk,
                *(status.value for status in Booking.ACTIVE_STATUSES),
                idempotency_key,
                idempotency_key,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    booking: Booking = reader.instance(row)
    if booking.slot_id == slot.pk:
        Booking.slot.field.set_cached_value(booking, slot)
        Booking.resource.field.set_cached_value(booking, slot.resource)
        Booking.venue.field.set_cached_value(booking, slot.venue)
    return booking


# Held bookings are not yet the resident's; cancelled ones stay a while so calendars drop them.
FEED_BOOKING_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN)


def list_resident_bookings_for_feed(*, user_id: int, window: FeedWindow) -> BookingQuerySet:
    """A resident's bookings for their personal iCal feed: confirmed or checked in, plus those
    cancelled within `feeds.CANCELLED_RETENTION` (shown as STATUS:CANCELLED), in the window."""
    since = window.now - feeds.CANCELLED_RETENTION
    recent_cancel = Q(status=Booking.Status.CANCELLED) & Q(feeds.cancelled_since(since))
    return (
        Booking.objects.filter(resident_id=user_id, ends_at__gt=window.start)
        .filter(starts_at__lt=window.end)
        .filter(Q(status__in=FEED_BOOKING_STATUSES) | recent_cancel)
        .order_by("starts_at", "id")
    )


# --- reads of the staff pages and the venue page --------------------------------------------


def list_venue_bookings_between(
    *, user: AbstractBaseUser, venue_id: int, start: dt.datetime, end: dt.datetime
) -> BookingQuerySet:
    """The bookings of a venue starting in [start, end) that `user` may list (every one for its
    staff, else only their own), in start order, with resident, resource, policy and strike."""
    return (
        list_bookings_for(user=user, venue_id=venue_id)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("resident", "resource", "venue__policy", "strike")
        .order_by("starts_at", "resource__sort_order", "id")
    )


def list_booked_slot_ids(
    *, user: AbstractBaseUser, venue_id: int, start: dt.datetime, end: dt.datetime
) -> frozenset[int]:
    """The slots of a venue starting in [start, end) where `user` holds an active booking."""
    return frozenset(
        Booking.objects.for_resident(user.pk)
        .active()
        .filter(venue_id=venue_id, starts_at__gte=start, starts_at__lt=end)
        .values_list("slot_id", flat=True)
    )


@dataclass(frozen=True)
class UsageRow:
    """One resource on one local day: its slots, and what became of their bookings."""

    day: dt.date
    resource: str
    slots: int
    places: int
    free: int
    bookings: int
    people: int
    checked_in: int
    no_shows: int
    cancelled: int
    late_cancellations: int


def list_usage_by_day(*, venue_id: int, start: dt.datetime, end: dt.datetime) -> list[UsageRow]:
    """Per local day and resource of a venue, for slots starting in [start, end): slots, places,
    free places, active bookings and their people, check-ins, no-shows, cancellations (late
    ones too). Two queries whatever the range; rows sorted by day, then resource id."""
    tz = rules.local_tz()
    day = TruncDate("starts_at", tzinfo=tz)
    slots = {
        (row["day"], row["resource_id"]): row
        for row in Slot.objects.filter(venue_id=venue_id, starts_at__gte=start, starts_at__lt=end)
        .annotate(day=day)
        .order_by()
        .values("day", "resource_id", "resource__name_zh")
        .annotate(slots=Count("id"), places=Sum("places"), free=Sum("remaining"))
    }
    status = Booking.Status
    active = Q(status__in=Booking.ACTIVE_STATUSES)
    bookings: dict[tuple[dt.date, int], Any] = {
        (row["day"], row["resource_id"]): row
        for row in Booking.objects.filter(
            venue_id=venue_id, starts_at__gte=start, starts_at__lt=end
        )
        .annotate(day=day)
        .order_by()
        .values("day", "resource_id")
        .annotate(
            booked=Count("id", filter=active),
            people=Sum("party_size", filter=active),
            checked_in=Count("id", filter=Q(status=status.CHECKED_IN)),
            no_shows=Count("id", filter=Q(status=status.NO_SHOW)),
            cancelled=Count("id", filter=Q(status=status.CANCELLED)),
            late=Count("id", filter=Q(status=status.CANCELLED, late_cancellation=True)),
        )
    }
    rows = []
    for key in sorted(slots, key=lambda k: (k[0], k[1])):
        s, b = slots[key], bookings.get(key, {})
        rows.append(
            UsageRow(
                day=key[0],
                resource=s["resource__name_zh"],
                slots=s["slots"],
                places=s["places"],
                free=s["free"],
                bookings=b.get("booked", 0),
                people=b.get("people") or 0,
                checked_in=b.get("checked_in", 0),
                no_shows=b.get("no_shows", 0),
                cancelled=b.get("cancelled", 0),
                late_cancellations=b.get("late", 0),
            )
        )
    return rows
