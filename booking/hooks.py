"""Hooks other apps register so that booking never imports them (booking → allocation is
forbidden; allocation → booking is allowed).

- A **booking gate** may refuse a first-come booking of a slot that another app allocates
  (a ballot slot before its round has released it): `place_booking` calls every gate after
  the checks that need no query and before it writes. A gate raises a `DomainError` to refuse.
- A **slot allocation** tells availability reads how each slot is allocated: `None` for
  first-come, or a mark such as `("ballot", round_id)`, which makes the slot not bookable with
  the reason `ballot`.

Apps register in their `AppConfig.ready()`; the registries are process-wide lists.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# (slot_id, now) → None, or raises a DomainError that refuses the booking.
BookingGate = Callable[[int, dt.datetime], None]


@dataclass(frozen=True, slots=True)
class AllocationMark:
    """A slot another app allocates: `kind` (e.g. "ballot") and the id of what allocates it."""

    kind: str
    ref: int


# (slot_ids, now) → {slot_id: mark} for the slots not (yet) first-come.
SlotAllocator = Callable[[Iterable[int], dt.datetime], dict[int, AllocationMark]]

_gates: list[BookingGate] = []
_allocators: list[SlotAllocator] = []


def register_booking_gate(gate: BookingGate) -> None:
    """Have `place_booking` ask `gate` before booking any slot (idempotent per function)."""
    if gate not in _gates:
        _gates.append(gate)


def register_slot_allocator(allocator: SlotAllocator) -> None:
    """Have availability reads mark slots that `allocator` says are not first-come."""
    if allocator not in _allocators:
        _allocators.append(allocator)


def check_booking_gates(*, slot_id: int, now: dt.datetime) -> None:
    """Run every registered gate; the first that refuses raises its DomainError."""
    for gate in _gates:
        gate(slot_id, now)


def slot_allocations(*, slot_ids: Iterable[int], now: dt.datetime) -> dict[int, AllocationMark]:
    """The marks of the slots that are not first-come now (empty without allocators)."""
    if not _allocators:
        return {}
    ids = list(slot_ids)
    marks: dict[int, AllocationMark] = {}
    for allocator in _allocators:
        marks.update(allocator(ids, now))
    return marks
