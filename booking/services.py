"""Writes of the booking app. `place_booking` is the only code that creates a Booking."""

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from booking import rules
from booking.exceptions import (
    AlreadyBookedError,
    BookingBusyError,
    BookingNotFoundError,
    IdempotencyKeyReusedError,
    InvalidPartySizeError,
    NotCancellableError,
    NotYourBookingError,
    PartyTooLargeError,
    PaymentUnavailableError,
    QuotaExceededError,
    SlotClosedError,
    SlotFullError,
    SlotInPastError,
    SlotNotFoundError,
    SlotTakenError,
    SuspendedError,
    WindowNotOpenError,
)
from booking.models import Booking, ResidentStanding, Slot
from venues.models import BookingPolicy

logger = logging.getLogger(__name__)

DEADLOCK_RETRIES = 3
# A booking transaction that waits longer than this for a row lock gives up with `busy`.
LOCK_TIMEOUT = "3s"


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    created: bool  # False when an Idempotency-Key replayed an earlier booking


def place_booking(
    *,
    resident: AbstractBaseUser,
    slot_id: Any,
    party_size: Any = 1,
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> BookingResult:
    """Book `party_size` places of a slot for a resident, in one step.

    Invariants: a slot never sells more than its places (the conditional UPDATE of
    `Slot.remaining` arbitrates; the exclusion constraint on PostgreSQL is the safety net); one
    active booking per resident per slot; per-resident limits hold even when one resident books
    several slots at once (the resident's user row is locked while counting); one Idempotency-Key
    makes at most one booking. Free slots confirm at once; paid slots start as held.

    Raises SlotNotFoundError, InvalidPartySizeError, PartyTooLargeError, SlotClosedError,
    SlotInPastError, WindowNotOpenError, SuspendedError, PaymentUnavailableError,
    SlotTakenError/SlotFullError, AlreadyBookedError, QuotaExceededError,
    IdempotencyKeyReusedError, BookingBusyError.
    """
    now = now or timezone.now()
    party_size = _validate_party_size(party_size)
    idempotency_key = (idempotency_key or "").strip()

    replay = _replay(resident=resident, idempotency_key=idempotency_key, slot_id=slot_id)
    if replay is not None:
        return replay

    slot = _get_slot(slot_id)
    policy = _policy_of(slot)
    _check_slot_is_bookable(slot=slot, policy=policy, party_size=party_size, now=now)
    _check_not_suspended(resident=resident, now=now)

    for attempt in range(DEADLOCK_RETRIES):
        try:
            booking = _insert_booking(
                resident=resident,
                slot=slot,
                policy=policy,
                party_size=party_size,
                idempotency_key=idempotency_key,
                now=now,
            )
        except IntegrityError as exc:
            replay = _replay(resident=resident, idempotency_key=idempotency_key, slot_id=slot_id)
            if replay is not None:
                return replay
            raise _integrity_error_to_domain(exc, slot=slot) from exc
        except (SlotTakenError, SlotFullError):
            # A concurrent double tap with the same key loses the slot row to its twin: answer
            # with the twin's booking instead of a misleading "taken".
            replay = _replay(resident=resident, idempotency_key=idempotency_key, slot_id=slot_id)
            if replay is not None:
                return replay
            raise
        except OperationalError as exc:
            sqlstate = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
            if sqlstate == "40P01" and attempt + 1 < DEADLOCK_RETRIES:
                logger.warning("deadlock while booking slot %s, retrying", slot.pk)
                time.sleep(0.01 * (attempt + 1))
                continue
            if sqlstate in {"40P01", "55P03"} or "database is locked" in str(exc):
                raise BookingBusyError() from exc
            raise
        else:
            return BookingResult(booking=booking, created=True)
    raise BookingBusyError()  # pragma: no cover - the loop always returns or raises


# Short alias matching the vocabulary.
book = place_booking


def cancel_booking(
    *,
    booking_id: Any,
    by_user: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a held or confirmed booking and give its places back to the slot.

    A resident cancels their own booking; venue staff and district admins may cancel any booking
    of their venue (never a late cancellation for the resident). After the policy's deadline a
    resident's cancellation is recorded as late. Started slots cannot be cancelled.

    Raises BookingNotFoundError, NotYourBookingError, NotCancellableError.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        _set_lock_timeout()
        # Lock order: booking row, then slot row (place_booking never locks booking rows).
        try:
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("venue__policy")
                .get(pk=booking_id)
            )
        except (Booking.DoesNotExist, ValueError, TypeError) as exc:
            raise BookingNotFoundError() from exc
        is_owner = booking.resident_id == by_user.pk
        is_staff = _is_venue_staff(user=by_user, venue_id=booking.venue_id)
        if not (is_owner or is_staff):
            raise NotYourBookingError()
        if booking.status not in (Booking.Status.HELD, Booking.Status.CONFIRMED):
            raise NotCancellableError(
                f"该预约状态为“{booking.get_status_display()}”，无法取消。"
                f"A booking that is {booking.status} cannot be cancelled."
            )
        if now >= booking.starts_at:
            raise NotCancellableError(
                "已开始的预约无法取消。A started booking cannot be cancelled."
            )
        policy = getattr(booking.venue, "policy", None)
        deadline = rules.cancellation_deadline(starts_at=booking.starts_at, policy=policy)
        booking.late_cancellation = (
            is_owner
            and not is_staff
            and booking.status == Booking.Status.CONFIRMED
            and now > deadline
        )
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = by_user
        booking.sequence = F("sequence") + 1
        booking.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancelled_by",
                "late_cancellation",
                "sequence",
                "updated_at",
            ]
        )
        release_places(slot_id=booking.slot_id, places=booking.places)
    booking.refresh_from_db()
    return booking


def release_places(*, slot_id: int, places: int) -> None:
    """Give places back to a slot; call inside the transaction that ends the booking."""
    Slot.objects.filter(pk=slot_id).update(remaining=F("remaining") + places)


# --- helpers -------------------------------------------------------------------------------


def _validate_party_size(party_size: Any) -> int:
    if isinstance(party_size, bool):
        raise InvalidPartySizeError()
    try:
        value = int(party_size)
    except (TypeError, ValueError) as exc:
        raise InvalidPartySizeError() from exc
    if value != party_size and not (isinstance(party_size, str) and party_size.strip().isdigit()):
        raise InvalidPartySizeError()
    if value < 1 or value > 1000:
        raise InvalidPartySizeError()
    return value


def _get_slot(slot_id: Any) -> Slot:
    try:
        return Slot.objects.select_related("venue__policy", "resource").get(pk=int(slot_id))
    except (Slot.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise SlotNotFoundError() from exc


def _policy_of(slot: Slot) -> BookingPolicy | None:
    try:
        return slot.venue.policy
    except BookingPolicy.DoesNotExist:
        return None


def _check_slot_is_bookable(
    *, slot: Slot, policy: BookingPolicy | None, party_size: int, now: dt.datetime
) -> None:
    if slot.is_closed or not slot.resource.is_active or not slot.venue.is_active:
        raise SlotClosedError(slot.closed_reason or None)
    if slot.starts_at <= now:
        raise SlotInPastError()
    opens_at = rules.booking_opens_at(starts_at=slot.starts_at, policy=policy)
    if now < opens_at:
        local = opens_at.astimezone(rules.local_tz())
        raise WindowNotOpenError(
            f"该时段将于 {local:%Y-%m-%d %H:%M} 开放预约。Booking opens at {local:%Y-%m-%d %H:%M}.",
            extra={"opens_at": local.isoformat()},
        )
    if party_size > slot.capacity:
        raise PartyTooLargeError(
            f"该时段最多 {slot.capacity} 人。At most {slot.capacity} people fit this slot.",
            fields={"party_size": [f"Must be at most {slot.capacity}."]},
        )
    if slot.price > 0 and not settings.STRIPE_ENABLED:
        raise PaymentUnavailableError()


def _check_not_suspended(*, resident: AbstractBaseUser, now: dt.datetime) -> None:
    suspended_until = (
        ResidentStanding.objects.filter(user_id=resident.pk, suspended_until__gt=now)
        .values_list("suspended_until", flat=True)
        .first()
    )
    if suspended_until is not None:
        local = suspended_until.astimezone(rules.local_tz())
        raise SuspendedError(
            f"因多次爽约或迟取消，您的预约资格暂停至 {local:%Y-%m-%d %H:%M}。"
            f"Booking is suspended until {local:%Y-%m-%d %H:%M}.",
            extra={"suspended_until": local.isoformat()},
        )


def _replay(
    *, resident: AbstractBaseUser, idempotency_key: str, slot_id: Any
) -> BookingResult | None:
    if not idempotency_key:
        return None
    earlier = (
        Booking.objects.select_related("slot", "venue", "resource")
        .filter(resident_id=resident.pk, idempotency_key=idempotency_key)
        .first()
    )
    if earlier is None:
        return None
    if str(earlier.slot_id) != str(slot_id):
        raise IdempotencyKeyReusedError()
    return BookingResult(booking=earlier, created=False)


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def _insert_booking(
    *,
    resident: AbstractBaseUser,
    slot: Slot,
    policy: BookingPolicy | None,
    party_size: int,
    idempotency_key: str,
    now: dt.datetime,
) -> Booking:
    places = 1 if slot.resource.exclusive else party_size
    with transaction.atomic(durable=True):
        _set_lock_timeout()
        # The slot row arbitrates the rush: a refused attempt matches no row and costs one
        # statement; a winner holds the row lock until commit.
        taken = Slot.objects.filter(pk=slot.pk, is_closed=False, remaining__gte=places).update(
            remaining=F("remaining") - places
        )
        if not taken:
            raise SlotTakenError() if slot.resource.exclusive else SlotFullError()
        # Serialise one resident's concurrent attempts so that the limits below count every
        # committed booking. Always locked after the slot row: one global lock order.
        type(resident).objects.select_for_update().filter(pk=resident.pk).values_list("pk").get()
        _check_resident_limits(resident=resident, slot=slot, policy=policy)
        held = slot.price > 0
        hold_minutes = policy.hold_minutes if policy else settings.BOOKING_HOLD_MINUTES
        return Booking.objects.create(
            slot=slot,
            resource_id=slot.resource_id,
            venue_id=slot.venue_id,
            resident_id=resident.pk,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            exclusive=slot.resource.exclusive,
            party_size=party_size,
            places=places,
            price=slot.price * (1 if slot.resource.exclusive else party_size),
            status=Booking.Status.HELD if held else Booking.Status.CONFIRMED,
            idempotency_key=idempotency_key,
            hold_expires_at=now + dt.timedelta(minutes=hold_minutes) if held else None,
            confirmed_at=None if held else now,
        )


def _check_resident_limits(
    *, resident: AbstractBaseUser, slot: Slot, policy: BookingPolicy | None
) -> None:
    policy = policy or rules.DEFAULT_POLICY
    day = rules.local_date(slot.starts_at)
    day_start, day_end = rules.day_bounds(day)
    week_start, week_end = rules.week_bounds(day)
    in_day = Q(starts_at__gte=day_start, starts_at__lt=day_end)
    counts = (
        Booking.objects.active()
        .filter(resident_id=resident.pk, venue_id=slot.venue_id)
        .filter(starts_at__gte=min(week_start, day_start), starts_at__lt=max(week_end, day_end))
        .aggregate(
            same_slot=Count("id", filter=Q(slot_id=slot.pk)),
            day=Count("id", filter=in_day),
            week=Count("id", filter=Q(starts_at__gte=week_start, starts_at__lt=week_end)),
            day_seconds=Sum(F("ends_at") - F("starts_at"), filter=in_day),
        )
    )
    if counts["same_slot"]:
        raise AlreadyBookedError()
    if counts["day"] >= policy.max_bookings_per_day:
        raise QuotaExceededError(
            f"每人每天在本场馆最多预约 {policy.max_bookings_per_day} 次。"
            f"At most {policy.max_bookings_per_day} bookings per day at this venue.",
            extra={"limit": "per_day", "max": policy.max_bookings_per_day},
        )
    if counts["week"] >= policy.max_bookings_per_week:
        raise QuotaExceededError(
            f"每人每周在本场馆最多预约 {policy.max_bookings_per_week} 次。"
            f"At most {policy.max_bookings_per_week} bookings per week at this venue.",
            extra={"limit": "per_week", "max": policy.max_bookings_per_week},
        )
    booked = counts["day_seconds"] or dt.timedelta(0)
    wanted = booked + (slot.ends_at - slot.starts_at)
    if Decimal(wanted.total_seconds()) / 3600 > policy.max_hours_per_day:
        raise QuotaExceededError(
            f"每人每天在本场馆最多预约 {policy.max_hours_per_day} 小时。"
            f"At most {policy.max_hours_per_day} hours per day at this venue.",
            extra={"limit": "hours_per_day", "max": str(policy.max_hours_per_day)},
        )


def _integrity_error_to_domain(exc: IntegrityError, *, slot: Slot) -> Exception:
    message = str(exc)
    if "booking_one_active_per_resident_slot" in message:
        return AlreadyBookedError()
    # The exclusion constraint is the safety net behind the slot row: it should never fire.
    logger.error("integrity error while booking slot %s: %s", slot.pk, message)
    return SlotTakenError() if slot.resource.exclusive else SlotFullError()


def _is_venue_staff(*, user: AbstractBaseUser, venue_id: int) -> bool:
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    return user.staffed_venues.filter(pk=venue_id).exists()  # type: ignore[attr-defined]
