"""A resident's standing: strikes for late cancellations and no-shows, and the suspension they cause.

Strikes are counted across all venues; the policy of the venue where the newest strike happened
decides the period, the threshold and the length of the suspension (a policy with
`strikes_to_suspend = 0` never suspends). Suspension is global: `place_booking` refuses every
booking until `ResidentStanding.suspended_until`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import locking, steps
from booking.exceptions import (
    BookingNotFoundError,
    NotNoShowableError,
    NotVenueStaffError,
    StrikeAlreadyWaivedError,
    StrikeNotFoundError,
)
from booking.models import Booking, ResidentStanding, Strike
from booking.selectors import is_venue_staff
from venues.models import BookingPolicy
from venues.policies import default_policy, policy_for, policy_of_venue_id


def _policy(venue_id: int) -> BookingPolicy:
    return policy_of_venue_id(venue_id)


def _lock_for_venue_staff[R: (Booking, Strike)](
    model: type[R], *, pk: Any, by_user: AbstractBaseUser, not_found: type[Exception]
) -> R:
    """Lock the row `pk` of `model` (a booking or a strike) for staff of its venue.

    Raises `not_found` (also for a malformed id), NotVenueStaffError.
    """
    try:
        row = model.objects.select_for_update().get(pk=int(pk))
    except (model.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise not_found() from exc
    if not is_venue_staff(user=by_user, venue_id=row.venue_id):
        raise NotVenueStaffError()
    return row


def record_strike(*, booking: Booking, kind: str, now: dt.datetime) -> Strike | None:
    """Count a late cancellation or no-show against the booking's resident; suspend at the limit.

    Call inside the transaction that changed the booking (its row locked). One strike per
    booking. Returns the new strike, or None if the booking already had one.
    """
    strike, created = Strike.objects.get_or_create(
        booking=booking,
        defaults={
            "resident_id": booking.resident_id,
            "venue_id": booking.venue_id,
            "kind": kind,
            "created_at": now,
        },
    )
    if not created:
        return None
    _update_suspension(resident_id=booking.resident_id, policy=_policy(booking.venue_id), now=now)
    return strike


def record_late_cancellation(*, booking_id: int) -> Strike | None:
    """Count a committed late cancellation against its resident (idempotent: one per booking).

    Runs after the cancellation committed; `mark_no_shows` sweeps up any it missed.
    """
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .filter(pk=booking_id, status=Booking.Status.CANCELLED, late_cancellation=True)
            .first()
        )
        if booking is None:
            return None
        return record_strike(
            booking=booking,
            kind=Strike.Kind.LATE_CANCELLATION,
            now=booking.cancelled_at or timezone.now(),
        )


def _active_strikes(*, resident_id: int, policy: BookingPolicy, now: dt.datetime) -> int:
    since = now - dt.timedelta(days=policy.strike_period_days)
    return Strike.objects.filter(
        resident_id=resident_id, waived_at__isnull=True, created_at__gt=since
    ).count()


def _locked_standing(resident_id: int) -> ResidentStanding:
    ResidentStanding.objects.get_or_create(user_id=resident_id)
    return ResidentStanding.objects.select_for_update().get(user_id=resident_id)


def _update_suspension(*, resident_id: int, policy: BookingPolicy, now: dt.datetime) -> None:
    # The standing row serialises two strikes of one resident recorded at the same moment.
    standing = _locked_standing(resident_id)
    threshold = policy.strikes_to_suspend
    if (
        not threshold
        or _active_strikes(resident_id=resident_id, policy=policy, now=now) < threshold
    ):
        return
    until = now + dt.timedelta(days=policy.suspension_days)
    if standing.suspended_until is None or standing.suspended_until < until:
        standing.suspended_until = until
        standing.save(update_fields=["suspended_until", "updated_at"])


def waive_strike(
    *, strike_id: Any, by_user: AbstractBaseUser, now: dt.datetime | None = None
) -> Strike:
    """Waive a strike (staff of the strike's venue); lift the suspension if now below the limit.

    Raises StrikeNotFoundError, NotVenueStaffError, StrikeAlreadyWaivedError.
    """
    now = now or timezone.now()
    with transaction.atomic():
        strike = _lock_for_venue_staff(
            Strike, pk=strike_id, by_user=by_user, not_found=StrikeNotFoundError
        )
        if strike.waived_at is not None:
            raise StrikeAlreadyWaivedError()
        strike.waived_at = now
        strike.waived_by_id = by_user.pk
        strike.save(update_fields=["waived_at", "waived_by"])
        standing = _locked_standing(strike.resident_id)
        policy = _policy(strike.venue_id)
        still = _active_strikes(resident_id=strike.resident_id, policy=policy, now=now)
        if (
            standing.suspended_until is not None
            and standing.suspended_until > now
            and (not policy.strikes_to_suspend or still < policy.strikes_to_suspend)
        ):
            standing.suspended_until = None
            standing.save(update_fields=["suspended_until", "updated_at"])
    return strike


def mark_no_shows(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Mark confirmed bookings not checked in within the policy's grace period after their
    start as no-shows, with a strike, and release their places.

    Venues whose policy says `checkin_required=False` are left out. The places go back through
    the one give-back path (`locking.give_back_places`), which offers them to the slot's waiting
    list once committed; what nobody there takes is free for walk-ins.

    Invariant: each booking is marked once (locked and re-checked). Also records late
    cancellations whose strike a crash left unrecorded. Returns how many no-shows were marked.
    """
    now = now or timezone.now()
    candidates = list(
        Booking.objects.filter(_past_grace(now), status=Booking.Status.CONFIRMED)
        # Where nobody scans codes, an unchecked booking says nothing about the resident.
        .exclude(venue__policy__checkin_required=False)
        .order_by("starts_at")
        .values_list("pk", flat=True)[:limit]
    )
    marked = 0
    for booking_id in candidates:
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True)
                .filter(pk=booking_id, status=Booking.Status.CONFIRMED)
                .first()
            )
            if booking is None:
                continue
            _set_no_show(booking=booking, now=now)
            marked += 1
    missed = Booking.objects.filter(
        status=Booking.Status.CANCELLED, late_cancellation=True, strike__isnull=True
    ).values_list("pk", flat=True)
    for booking_id in list(missed[:limit]):
        record_late_cancellation(booking_id=booking_id)
    return marked


def mark_no_show(
    *, booking_id: Any, by_user: AbstractBaseUser, now: dt.datetime | None = None
) -> Booking:
    """Mark one confirmed booking as a no-show (venue staff), with a strike for its resident.

    Only once the slot has started: before that the resident may still come or cancel. The
    nightly sweep (`mark_no_shows`) does the same for every booking left unchecked.

    Raises BookingNotFoundError, NotVenueStaffError, NotNoShowableError.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_for_venue_staff(
            Booking, pk=booking_id, by_user=by_user, not_found=BookingNotFoundError
        )
        refusal = _no_show_refusal(booking=booking, now=now)
        if refusal is not None:
            raise refusal
        _set_no_show(booking=booking, now=now)
    booking.refresh_from_db()
    return booking


def can_mark_no_show(*, booking: Booking, now: dt.datetime) -> bool:
    """Whether venue staff may mark this booking as a no-show at `now` (as `mark_no_show` does).

    Pages offer the action only when it can succeed; staff membership is checked by the caller.
    """
    return _no_show_refusal(booking=booking, now=now) is None


def _no_show_refusal(*, booking: Booking, now: dt.datetime) -> NotNoShowableError | None:
    if booking.status != Booking.Status.CONFIRMED:
        return NotNoShowableError(
            _("Only a confirmed booking without check-in can be a no-show (it is “%(status)s”).")
            % {"status": booking.get_status_display()}
        )
    if now < booking.starts_at:
        return NotNoShowableError(
            _("A booking can be marked as a no-show once its slot has started.")
        )
    return None


def _past_grace(now: dt.datetime) -> Q:
    """Bookings whose start plus their venue's no-show grace period is not after `now`.

    One condition per grace value in use (a handful), so it stays one portable query.
    """
    graces = set(BookingPolicy.objects.values_list("no_show_grace_minutes", flat=True).distinct())
    default = default_policy().no_show_grace_minutes
    condition = Q(venue__policy__isnull=True, starts_at__lte=now - dt.timedelta(minutes=default))
    for grace in graces:
        condition |= Q(
            venue__policy__no_show_grace_minutes=grace,
            starts_at__lte=now - dt.timedelta(minutes=grace),
        )
    # A booking confirmed after its start (a waiting-list offer of a released no-show's place)
    # gets its grace period from its confirmation.
    confirmed_late = Q(confirmed_at__gt=F("starts_at"))
    late_enough = Q(
        venue__policy__isnull=True, confirmed_at__lte=now - dt.timedelta(minutes=default)
    )
    for grace in graces:
        late_enough |= Q(
            venue__policy__no_show_grace_minutes=grace,
            confirmed_at__lte=now - dt.timedelta(minutes=grace),
        )
    return condition & (~confirmed_late | late_enough)


def _set_no_show(*, booking: Booking, now: dt.datetime) -> None:
    # The caller holds the booking's row lock inside its transaction.
    steps.change_state(booking, status=Booking.Status.NO_SHOW)
    record_strike(booking=booking, kind=Strike.Kind.NO_SHOW, now=now)
    # A no-show occupies no place: released to the waiting list, then to walk-ins.
    locking.give_back_places(slot_id=booking.slot_id, places=booking.places)


@dataclass(frozen=True)
class Standing:
    suspended_until: dt.datetime | None
    strikes: list[Strike]
    active_strikes: int


def get_standing(*, user: AbstractBaseUser, now: dt.datetime | None = None) -> Standing:
    """A resident's strikes (newest first) and current suspension."""
    now = now or timezone.now()
    suspended_until = (
        ResidentStanding.objects.filter(user_id=user.pk, suspended_until__gt=now)
        .values_list("suspended_until", flat=True)
        .first()
    )
    strikes = list(
        Strike.objects.filter(resident_id=user.pk).select_related("booking", "venue__policy")[:100]
    )
    active = 0
    for strike in strikes:
        policy = policy_for(strike.venue)
        period = dt.timedelta(days=policy.strike_period_days)
        if strike.waived_at is None and strike.created_at > now - period:
            active += 1
    return Standing(suspended_until=suspended_until, strikes=strikes, active_strikes=active)
