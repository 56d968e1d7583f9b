"""Reads of the waiting list."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from waitlist.exceptions import EntryNotFoundError
from waitlist.models import WaitlistEntry


def _with_position(entries: QuerySet[WaitlistEntry]) -> QuerySet[WaitlistEntry]:
    """Annotate `position_ahead`: waiting entries of the same slot ahead in line."""
    ahead = (
        WaitlistEntry.objects.waiting()
        .filter(slot_id=OuterRef("slot_id"))
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("slot_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return entries.annotate(position_ahead=Coalesce(Subquery(ahead), 0))


def position(entry: WaitlistEntry) -> int | None:
    """The entry's place in its slot's line (1 = next to be offered), None unless waiting."""
    if entry.status != WaitlistEntry.Status.WAITING:
        return None
    ahead = getattr(entry, "position_ahead", None)
    if ahead is None:
        ahead = (
            WaitlistEntry.objects.waiting()
            .filter(slot_id=entry.slot_id)
            .filter(
                Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, id__lt=entry.pk)
            )
            .count()
        )
    return int(ahead) + 1


def list_entries_for(
    *, user: AbstractBaseUser, status: str | None = None, live: bool = False
) -> QuerySet[WaitlistEntry]:
    """The resident's waiting-list entries, newest first, with their position in line."""
    entries = WaitlistEntry.objects.filter(resident_id=user.pk)
    if status:
        entries = entries.filter(status=status)
    if live:
        entries = entries.live()
    return _with_position(
        entries.select_related("slot__resource", "slot__venue", "booking").order_by(
            "-created_at", "-id"
        )
    )


def get_entry_for(*, user: AbstractBaseUser, entry_id: int) -> WaitlistEntry:
    """One of the resident's entries. Raises EntryNotFoundError (also for someone else's)."""
    entry = list_entries_for(user=user).filter(pk=entry_id).first()
    if entry is None:
        raise EntryNotFoundError()
    return entry


def count_waiting(*, slot_id: int) -> int:
    """How many residents wait for the slot."""
    return WaitlistEntry.objects.waiting().filter(slot_id=slot_id).count()
