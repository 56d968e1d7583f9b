"""Ballot rounds: making one (staff through the API, or the scheduler from a venue's policy),
its timetable, and the small checks the other allocation services share."""

import datetime as dt
from typing import Any, TypedDict, TypeGuard

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from allocation.exceptions import InvalidRoundError, NotVenueStaffError
from allocation.gates import holds
from allocation.models import BallotRound
from booking import rules
from booking import selectors as booking_selectors
from booking.models import Slot
from venues.models import BookingPolicy, Venue
from venues.policies import policy_for

MAX_ID = 2**63 - 1


class Timetable(TypedDict):
    """A round's moments: entries from `opens_at` to `closes_at`, the draw from `draws_at`,
    winners of paid slots pay by `pay_by`, leftovers go first-come from `releases_at`."""

    opens_at: dt.datetime
    closes_at: dt.datetime
    draws_at: dt.datetime
    pay_by: dt.datetime
    releases_at: dt.datetime


def whole_number_in(value: object, low: int, high: int) -> TypeGuard[int]:
    """Is `value` a whole number (not a bool) from `low` to `high`?"""
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def is_id(value: object) -> TypeGuard[int]:
    """Can `value` be a row id? (Anything else is simply not found.)"""
    return whole_number_in(value, 1, MAX_ID)


def create_round(
    *,
    venue_id: int,
    slot_ids: list[int],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    draws_at: dt.datetime,
    releases_at: dt.datetime,
    pay_by: dt.datetime | None = None,
    max_choices: int | None = None,
    by_user: AbstractBaseUser | None = None,
    by_policy: bool = False,
    now: dt.datetime | None = None,
) -> BallotRound:
    """Create a ballot round over some slots of one venue on one play date.

    Staff of the venue (or district admins) only, when `by_user` is given (the scheduler
    passes none). The slots must be the venue's, start on one local day after the round
    closes, and belong to no other round still holding them. A fresh seed is made; its
    commitment is public at once.

    Raises NotVenueStaffError, InvalidRoundError.
    """
    now = now or timezone.now()
    venue = Venue.objects.select_related("policy").filter(pk=venue_id).first()
    if venue is None:
        raise InvalidRoundError("场馆不存在。Unknown venue.", fields={"venue": ["Unknown venue."]})
    if by_user is not None and not booking_selectors.is_venue_staff(
        user=by_user, venue_id=venue.pk
    ):
        raise NotVenueStaffError()
    if max_choices is None:
        max_choices = policy_for(venue).ballot_max_choices
    times = Timetable(
        opens_at=opens_at,
        closes_at=closes_at,
        draws_at=draws_at,
        pay_by=pay_by or releases_at,
        releases_at=releases_at,
    )
    _check_timetable(**times, max_choices=max_choices, now=now)
    ids = sorted(set(slot_ids))
    if not ids or len(ids) != len(slot_ids):
        raise InvalidRoundError(
            "请选择不重复的时段。Give the round's slots, each once.",
            fields={"slots": ["Give at least one slot, each once."]},
        )
    with transaction.atomic():
        # Lock the slots (id order, as booking does) so that two rounds never take one slot.
        slots = list(
            Slot.objects.select_for_update().filter(pk__in=ids, venue_id=venue.pk).order_by("pk")
        )
        if len(slots) != len(ids):
            raise InvalidRoundError(
                "有时段不属于该场馆。A slot is unknown or not at this venue.",
                fields={"slots": ["Every slot must exist and be at this venue."]},
            )
        days = {rules.local_date(s.starts_at) for s in slots}
        if len(days) != 1:
            raise InvalidRoundError(
                "一轮抽签的时段须在同一天。A round's slots must be on one day.",
                fields={"slots": ["All slots must start on the same day."]},
            )
        if min(s.starts_at for s in slots) <= releases_at:
            raise InvalidRoundError(
                "时段须在释放时间之后开始。Slots must start after the release time.",
                fields={"releases_at": ["Must be before the first slot starts."]},
            )
        taken = list(slots_held_by_rounds(now).filter(slot_id__in=ids))
        if taken:
            raise InvalidRoundError(
                "有时段已在另一轮抽签中。A slot is already in another ballot round.",
                fields={"slots": [f"Already in a ballot: {sorted(set(taken))}."]},
            )
        ballot = BallotRound(
            venue=venue,
            date=days.pop(),
            **times,
            max_choices=max_choices,
            created_by_id=by_user.pk if by_user is not None else None,
            by_policy=by_policy,
        )
        ballot.save()
        ballot.slots.set(slots)
    return ballot


def slots_held_by_rounds(now: dt.datetime) -> Any:
    """Ids of the slots a round still holds (undrawn, or drawn and not yet released)."""
    return BallotRound.slots.through.objects.filter(holds(now, prefix="ballotround__")).values_list(
        "slot_id", flat=True
    )


def policy_timetable(*, policy: BookingPolicy, day: dt.date) -> Timetable:
    """The ballot timetable of play date `day` under a venue's policy (Asia/Shanghai)."""
    tz = rules.local_tz()

    def at(days: int, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day - dt.timedelta(days=days), time, tzinfo=tz)

    opens_at = at(policy.ballot_open_days, policy.ballot_open_time)
    return Timetable(
        opens_at=opens_at,
        closes_at=opens_at + dt.timedelta(hours=policy.ballot_open_hours),
        draws_at=at(policy.ballot_draw_days, policy.ballot_draw_time),
        pay_by=at(policy.ballot_pay_days, policy.ballot_pay_time),
        releases_at=at(policy.ballot_release_days, policy.ballot_release_time),
    )


def _check_timetable(
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    draws_at: dt.datetime,
    pay_by: dt.datetime,
    releases_at: dt.datetime,
    max_choices: int,
    now: dt.datetime,
) -> None:
    fields: dict[str, list[str]] = {}
    if closes_at <= opens_at:
        fields["closes_at"] = ["Must be after opens_at."]
    if closes_at <= now:
        fields.setdefault("closes_at", []).append("Must be in the future.")
    if draws_at < closes_at:
        fields["draws_at"] = ["Must not be before closes_at."]
    if not draws_at <= pay_by <= releases_at:
        fields["pay_by"] = ["Must be between draws_at and releases_at."]
    if releases_at < draws_at:
        fields["releases_at"] = ["Must not be before draws_at."]
    if not whole_number_in(max_choices, 1, 20):
        fields["max_choices"] = ["Must be between 1 and 20."]
    if fields:
        raise InvalidRoundError(
            "抽签时间表无效。The round's timetable is not valid.", fields=fields
        )
