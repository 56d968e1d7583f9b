#!/usr/bin/env python3
"""Recompute a ballot round's outcome from its published results and say whether it matches.

Standard library only: anyone can run it without the service's code.

    python3 verify_ballot.py results.json
    python3 verify_ballot.py https://sports.luohu.example/api/v1/ballots/12/results/

It checks draw algorithm v1 (docs/ballots.md):
1. the commitment published before the draw is SHA-256 of the seed's 64 ASCII characters;
2. ordering the entries by (tier, HMAC-SHA256(key = seed, message = ticket)) and giving each
   its first choice with room (an exclusive slot takes one entry, a shared slot entries while
   its places left >= the party size) gives every entry the `won_slot` published for it.
Exit status 0 when everything matches, 1 when something does not, 2 when the input is unusable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import urllib.request
from typing import Any


def load(source: str) -> dict[str, Any]:
    """The results JSON from a file path, a URL, or "-" for standard input."""
    if source == "-":
        return json.load(sys.stdin)
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))
    with open(source, encoding="utf-8") as handle:
        return json.load(handle)


def order_key(seed: str, tier: int, ticket: str) -> tuple[int, str]:
    mac = hmac.new(seed.encode("ascii"), ticket.encode("utf-8"), hashlib.sha256)
    return tier, mac.hexdigest()


def recompute(results: dict[str, Any]) -> dict[str, int | None]:
    """Each ticket → the slot algorithm v1 gives it (None: no slot)."""
    seed = results["seed"]
    rooms = {int(s["id"]): (bool(s["exclusive"]), int(s["places"])) for s in results["slots"]}
    left = {slot_id: places for slot_id, (_exclusive, places) in rooms.items()}
    entries = sorted(results["entries"], key=lambda e: order_key(seed, e["tier"], e["ticket"]))
    outcome: dict[str, int | None] = {}
    for entry in entries:
        won = None
        for slot_id in entry["choices"]:
            if slot_id not in rooms:
                continue
            needed = 1 if rooms[slot_id][0] else entry["party_size"]
            if left[slot_id] >= needed:
                left[slot_id] -= needed
                won = slot_id
                break
        outcome[entry["ticket"]] = won
    return outcome


def verify(results: dict[str, Any]) -> list[str]:
    """What does not match; an empty list when the published outcome is the recomputed one."""
    problems = []
    if results.get("algorithm") != "v1":
        problems.append(f"unknown algorithm {results.get('algorithm')!r}: this script checks v1")
        return problems
    seed = results.get("seed") or ""
    if len(seed) != 64 or any(c not in "0123456789abcdef" for c in seed):
        problems.append("the seed is not 64 lowercase hex characters (not drawn yet?)")
        return problems
    if hashlib.sha256(seed.encode("ascii")).hexdigest() != results.get("commitment"):
        problems.append("the seed does not match the commitment published before the draw")
    tickets = [e["ticket"] for e in results["entries"]]
    if len(set(tickets)) != len(tickets):
        problems.append("a ticket appears twice")
    expected = recompute(results)
    for entry in results["entries"]:
        if expected[entry["ticket"]] != entry.get("won_slot"):
            problems.append(
                f"ticket {entry['ticket']}: published won_slot {entry.get('won_slot')}, "
                f"recomputed {expected[entry['ticket']]}"
            )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: verify_ballot.py RESULTS.json|URL|-", file=sys.stderr)
        return 2
    try:
        results = load(argv[1])
        problems = verify(results)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot read the results: {exc}", file=sys.stderr)
        return 2
    winners = sum(1 for e in results["entries"] if e.get("won_slot") is not None)
    if problems:
        print(f"MISMATCH: round {results.get('round')} does not verify:")
        for problem in problems[:20]:
            print(f"  - {problem}")
        if len(problems) > 20:
            print(f"  ... and {len(problems) - 20} more")
        return 1
    print(
        f"OK: round {results.get('round')} verifies: {len(results['entries'])} entries, "
        f"{winners} winners, seed matches its commitment. "
        f"核验通过：第 {results.get('round')} 轮抽签结果与公开数据一致。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
