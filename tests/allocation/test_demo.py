import pytest
from django.core.management import call_command

from allocation.models import BallotRound

pytestmark = pytest.mark.django_db


def test_ballot_demo_makes_an_open_and_a_drawn_round_once(capsys):
    call_command("load_demo")
    call_command("load_ballot_demo")
    call_command("load_ballot_demo")
    rounds = list(BallotRound.objects.all())
    assert sorted(r.status for r in rounds) == ["drawn", "open"]
    drawn = next(r for r in rounds if r.status == "drawn")
    outcomes = {e.outcome for e in drawn.entries.select_related("round")}
    assert outcomes & {"won", "lost"}
    assert "Ballot round" in capsys.readouterr().out
