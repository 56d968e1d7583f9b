"""A ballot round's page: timetable, enter/change/withdraw (through /api/v1), and once drawn the
public results with the verification instructions (docs/ballots.md)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from allocation import selectors
from allocation.exceptions import BallotNotFoundError


def ballot_round(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ballot = selectors.get_round(round_id=pk)
    except BallotNotFoundError as exc:
        raise Http404 from exc
    slots = sorted(ballot.slots.all(), key=lambda s: (s.starts_at, s.resource_id))
    entry = None
    if request.user.is_authenticated:
        entry = (
            selectors.list_entries_for(user=request.user, round_id=ballot.pk)  # type: ignore[arg-type]
            .exclude(status="withdrawn")
            .first()
        )
    results = selectors.get_results(round_id=ballot.pk) if ballot.drawn_at else None
    return render(
        request,
        "frontend/ballot.html",
        {
            "ballot": ballot,
            "slots": slots,
            "entry": entry,
            "results": results,
            "results_api": f"/api/v1/ballots/{ballot.pk}/results/",
            "page_config": {
                "round": ballot.pk,
                "entry": entry.pk if entry else None,
                "maxChoices": ballot.max_choices,
            },
        },
    )
