"""Cancelling a booking: the one way a held or confirmed booking becomes cancelled by a person
(the resident, or staff of its venue), with its places given back in the same transaction.

Lock order: booking row → slot row (`locking.give_back_places`); `place_booking` never locks a
booking row. Re-exported by `booking.services`, the app's list of writes.
"""

import datetime as dt
from typing import cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import locking, rules, selectors, signals, standing, steps
from booking.exceptions import BookingBusyError, BookingNotFoundError, NotCancellableError
from booking.models import Booking
from common import transactions
from venues.policies import policy_for


def cancel_booking(
    *,
    booking_id: int,
    by_user: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a held or confirmed booking and give its places back to the slot.

    A resident cancels their own booking; venue staff (and district admins) may cancel any
    booking of their venue. A resident's cancellation of a confirmed booking after the policy's
    deadline is recorded as `late_cancellation`; staff cancellations never are. A booking is
    never deleted. Cancelling an already cancelled booking returns it unchanged (a double tap
    gives back places once).

    Raises BookingNotFoundError (also for a booking the user may not see), NotCancellableError
    (checked in, expired, no-show, or already started), BookingBusyError.
    """
    now = now or timezone.now()
    booking, changed = transactions.retrying(
        lambda: _cancel(booking_id=booking_id, by_user=by_user, now=now),
        busy=BookingBusyError,
        what=steps.BOOKING_TRANSACTION,
    )
    if changed:
        _after_cancel(booking)
    return booking


def _after_cancel(booking: Booking) -> None:
    """Run after a cancellation has committed (once per booking).

    The payment is settled first (`signals.booking_cancelled`: the payments app refunds a paid
    booking or cancels its intent), then a late cancellation becomes a strike.
    """
    signals.booking_cancelled.send(sender=Booking, booking=booking)
    if booking.late_cancellation:
        standing.record_late_cancellation(booking_id=booking.pk)


def _cancel(
    *, booking_id: object, by_user: AbstractBaseUser, now: dt.datetime
) -> tuple[Booking, bool]:
    if isinstance(booking_id, bool) or not isinstance(booking_id, int):
        raise BookingNotFoundError()
    with transactions.bounded_atomic():
        try:
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("venue__policy", "resource")
                .get(pk=booking_id)
            )
        except Booking.DoesNotExist as exc:
            raise BookingNotFoundError() from exc
        is_owner = booking.resident_id == by_user.pk
        if not is_owner and not selectors.is_venue_staff(user=by_user, venue_id=booking.venue_id):
            raise BookingNotFoundError()  # not visible to this user: do not reveal it exists
        if booking.status == Booking.Status.CANCELLED:
            return booking, False
        if not rules.is_cancellable(status=booking.status, starts_at=booking.starts_at, now=now):
            if booking.status in rules.CANCELLABLE_STATUSES:
                raise NotCancellableError(_("A started booking cannot be cancelled."))
            raise NotCancellableError(
                _("A booking that is “%(status)s” cannot be cancelled.")
                % {"status": booking.get_status_display()}
            )
        booking.late_cancellation = rules.is_late_cancellation(
            status=booking.status,
            starts_at=booking.starts_at,
            policy=policy_for(booking.venue),
            now=now,
            by_owner=is_owner,
        )
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = cast(User, by_user)  # AUTH_USER_MODEL is auth.User
        booking.sequence += 1  # the row is locked: no lost update
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
        # Lock order: booking row, then slot row; place_booking never locks a booking row.
        locking.give_back_places(slot_id=booking.slot_id, places=booking.places)
    return booking, True
