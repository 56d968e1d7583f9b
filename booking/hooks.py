"""Hooks other apps register so that booking never imports them (booking → allocation is
forbidden; allocation → booking is allowed).

- A **booking gate** may refuse a first-come booking of a slot that another app allocates
  (a ballot slot before its round has released it; places about to be offered to a waiting
  list): `place_booking` asks every gate after the checks that need no query and before it
  writes. A gate is a scalar SQL subquery over the slot and the time, NULL to let the booking
  through, and a function that turns any other value into the `DomainError` that refuses it.
  Every gate is asked in one statement: a successful booking in a rush spent 64% of its
  booking service's CPU building the gates' ORM queries when each was asked on its own (two
  queries, ~0.6 ms of CPU each; bench/attempt_cpu.py --profile success).
- A **slot allocator** tells availability reads, inside their slot query (no extra query),
  which slots another app allocates: a query expression yielding, e.g., the ballot round
  holding the slot, which makes it not bookable with the reason `ballot`.

Apps register in their `AppConfig.ready()`; the registries are process-wide lists.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from common.errors import DomainError


@dataclass(frozen=True)
class BookingGate:
    """`name` identifies the gate (registering a name again replaces it). `sql`: a scalar subquery (no parentheses needed) with the named parameters `%(slot)s`
    (the slot's id) and `%(now)s`, yielding NULL where the booking may go ahead; any other
    value it yields is passed to `refuse`, whose error refuses the booking."""

    name: str
    sql: str
    refuse: Callable[[Any], DomainError]


# now → a query expression over a Slot row that yields the id of what allocates the slot
# (e.g. the ballot round holding it), or NULL while it is first-come. Availability reads it in
# the same query as the slots.
SlotAllocator = Callable[[dt.datetime], Any]


_gates: dict[str, BookingGate] = {}
_allocators: dict[str, SlotAllocator] = {}


def register_booking_gate(gate: BookingGate) -> None:
    """Have `place_booking` ask `gate` before booking any slot."""
    _gates[gate.name] = gate


def register_slot_allocator(kind: str, allocator: SlotAllocator) -> None:
    """Have availability reads mark the slots `allocator` says are allocated as `kind`."""
    _allocators[kind] = allocator


def check_booking_gates(*, slot_id: int, now: dt.datetime) -> None:
    """Ask every registered gate in one statement; the first that refuses raises its error."""
    if not _gates:
        return
    gates = list(_gates.values())
    columns = ", ".join(f"({gate.sql})" for gate in gates)
    params = {"slot": slot_id, "now": connection.ops.adapt_datetimefield_value(now)}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}", params)
        answers = cursor.fetchone()
    for gate, answer in zip(gates, answers, strict=True):
        if answer is not None:
            raise gate.refuse(answer)


def slot_allocation_annotations(*, now: dt.datetime) -> dict[str, tuple[str, Any]]:
    """`{annotation name: (kind, expression)}` for a Slot queryset (empty without allocators)."""
    return {f"allocated_{kind}": (kind, allocator(now)) for kind, allocator in _allocators.items()}


def slot_allocation_names() -> dict[str, str]:
    """`{annotation name: kind}`: where `slot_allocation_annotations` puts each allocator's ref."""
    return {f"allocated_{kind}": kind for kind in _allocators}
