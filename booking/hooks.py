"""Hooks other apps register so that booking never imports them (booking → allocation is
forbidden; allocation → booking is allowed).

- A **booking gate** may refuse a first-come booking of a slot that another app allocates
  (a ballot slot before its round has released it): `place_booking` calls every gate after
  the checks that need no query and before it writes. A gate raises a `DomainError` to refuse.
- A **slot allocator** tells availability reads, inside their slot query (no extra query),
  which slots another app allocates: a query expression yielding, e.g., the ballot round
  holding the slot, which makes it not bookable with the reason `ballot`.

Apps register in their `AppConfig.ready()`; the registries are process-wide lists.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

# (slot_id, now) → None, or raises a DomainError that refuses the booking.
BookingGate = Callable[[int, dt.datetime], None]


# now → a query expression over a Slot row that yields the id of what allocates the slot
# (e.g. the ballot round holding it), or NULL while it is first-come. Availability reads it in
# the same query as the slots.
SlotAllocator = Callable[[dt.datetime], Any]


_gates: list[BookingGate] = []
_allocators: dict[str, SlotAllocator] = {}


def register_booking_gate(gate: BookingGate) -> None:
    """Have `place_booking` ask `gate` before booking any slot (idempotent per function)."""
    if gate not in _gates:
        _gates.append(gate)


def register_slot_allocator(kind: str, allocator: SlotAllocator) -> None:
    """Have availability reads mark the slots `allocator` says are allocated as `kind`."""
    _allocators[kind] = allocator


def check_booking_gates(*, slot_id: int, now: dt.datetime) -> None:
    """Run every registered gate; the first that refuses raises its DomainError."""
    for gate in _gates:
        gate(slot_id, now)


def slot_allocation_annotations(*, now: dt.datetime) -> dict[str, tuple[str, Any]]:
    """`{annotation name: (kind, expression)}` for a Slot queryset (empty without allocators)."""
    return {f"allocated_{kind}": (kind, allocator(now)) for kind, allocator in _allocators.items()}


def slot_allocation_names() -> dict[str, str]:
    """`{annotation name: kind}`: where `slot_allocation_annotations` puts each allocator's ref."""
    return {f"allocated_{kind}": kind for kind in _allocators}
