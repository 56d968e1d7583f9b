"""The stand-alone verifier (scripts/verify_ballot.py) against the server's draw."""

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from allocation import draw as v1
from allocation import selectors, services
from allocation.models import commitment_of, new_seed, new_ticket
from scripts import verify_ballot
from tests.allocation.conftest import make_ballot
from tests.factories import UserFactory

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_ballot.py"


def random_results(rng: random.Random) -> dict:  # type: ignore[type-arg]
    """A round drawn by the server's algorithm, published as `get_results` publishes it."""
    seed = new_seed()
    slots = {
        1000 + i: v1.SlotRoom(exclusive=rng.random() < 0.5, places=rng.randint(0, 8))
        for i in range(rng.randint(1, 12))
    }
    for slot_id, room in list(slots.items()):
        if room.exclusive:
            slots[slot_id] = v1.SlotRoom(exclusive=True, places=min(room.places, 1))
    entries = [
        v1.DrawEntry(
            ticket=new_ticket(),
            tier=rng.choice([0, 0, 1]),
            choices=tuple(rng.sample(sorted(slots), k=rng.randint(0, min(3, len(slots))))),
            party_size=rng.randint(1, 4),
        )
        for _ in range(rng.randint(0, 60))
    ]
    outcome = v1.draw(seed=seed, entries=entries, slots=slots)
    return {
        "round": rng.randint(1, 10_000),
        "algorithm": "v1",
        "commitment": commitment_of(seed),
        "seed": seed,
        "slots": [
            {"id": k, "exclusive": r.exclusive, "places": r.places} for k, r in slots.items()
        ],
        "entries": [
            {
                "ticket": e.ticket,
                "tier": e.tier,
                "choices": list(e.choices),
                "party_size": e.party_size,
                "won_slot": outcome[e.ticket],
            }
            for e in entries
        ],
    }


def test_verifier_agrees_with_the_server_on_100_random_rounds_and_catches_a_change():
    rng = random.Random(16)
    altered = 0
    for _ in range(100):
        results = random_results(rng)
        assert verify_ballot.verify(results) == []
        winners = [e for e in results["entries"] if e["won_slot"] is not None]
        if not winners:
            continue
        # Alter one published result: give a winner's place to nobody, or to another slot.
        victim = rng.choice(winners)
        others = [s["id"] for s in results["slots"] if s["id"] != victim["won_slot"]]
        victim["won_slot"] = rng.choice([None, *others])
        assert verify_ballot.verify(results) != []
        altered += 1
    assert altered > 50


def test_verifier_refuses_a_seed_that_does_not_match_its_commitment():
    results = random_results(random.Random(1))
    results["seed"] = new_seed()
    assert any("commitment" in p for p in verify_ballot.verify(results))


@pytest.mark.django_db
def test_script_verifies_a_real_round_from_a_file_and_exits_1_on_a_change(venue, tmp_path):
    b = make_ballot(venue)
    for i in range(12):
        user = UserFactory(username=f"v{i}")
        services.enter_ballot(
            round_id=b.round.pk,
            resident=user,
            choices=[b.courts[i % 2].pk, b.floor.pk],
            party_size=1 + i % 3,
            now=b.now,
        )
    services.draw_round(round_id=b.round.pk, now=b.after_close + dt.timedelta(seconds=1))
    results = selectors.get_results(round_id=b.round.pk)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    ok = subprocess.run(
        [sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK")
    loser = next(e for e in results["entries"] if e["won_slot"] is None)
    loser["won_slot"] = b.floor.pk
    path.write_text(json.dumps(results))
    bad = subprocess.run(
        [sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout
    path.write_text("{not json")
    unusable = subprocess.run(
        [sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=False
    )
    assert unusable.returncode == 2
