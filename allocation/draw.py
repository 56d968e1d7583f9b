"""Draw algorithm v1 (design.md, "Fair allocation"), as a pure function of published data.

Anyone can recompute a round's outcome from its `results` JSON with the same steps; the
stand-alone `scripts/verify_ballot.py` does, with the standard library only. Keep the two in
step: extend, never change, the meaning of v1.

1. Order entries by (tier, HMAC-SHA256(key = the seed's 64 ASCII characters, message = the
   ticket as UTF-8) as lowercase hex), ascending.
2. In that order each entry takes its first choice that still has room for its party: an
   exclusive slot takes one entry; a shared slot takes entries while its places left are at
   least the party size. An entry wins at most one slot; with no choice left it loses.
"""

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial

ALGORITHM = "v1"


@dataclass(frozen=True, slots=True)
class DrawEntry:
    ticket: str
    tier: int
    choices: tuple[int, ...]  # the choices still allowed at the draw, best first
    party_size: int


@dataclass(frozen=True, slots=True)
class SlotRoom:
    exclusive: bool
    places: int  # places left at the draw (an exclusive slot: 1 while free, else 0)


def order_key(*, seed: str, entry: DrawEntry) -> tuple[int, str]:
    """The entry's place in the draw order: (tier, HMAC-SHA256(seed, ticket) hex)."""
    return _order_key(seed.encode("ascii"), entry)


def _order_key(key: bytes, entry: DrawEntry) -> tuple[int, str]:
    return entry.tier, hmac.digest(key, entry.ticket.encode("utf-8"), "sha256").hex()


def draw(
    *, seed: str, entries: Iterable[DrawEntry], slots: Mapping[int, SlotRoom]
) -> dict[str, int | None]:
    """Each entry's ticket → the slot it won, or None. Pure: same input, same outcome."""
    ordered = sorted(entries, key=partial(_order_key, seed.encode("ascii")))
    left = {slot_id: room.places for slot_id, room in slots.items()}
    outcome: dict[str, int | None] = {}
    for entry in ordered:
        won = None
        for slot_id in entry.choices:
            room = slots.get(slot_id)
            if room is None:
                continue
            needed = 1 if room.exclusive else entry.party_size
            if left[slot_id] >= needed:
                left[slot_id] -= needed
                won = slot_id
                break
        outcome[entry.ticket] = won
    return outcome
