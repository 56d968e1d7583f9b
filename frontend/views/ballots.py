"""A ballot round's page: timetable, enter/change/withdraw (through /api/v1), and once drawn the
public results with the verification instructions (docs/ballots.md)."""

from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

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


# What a resident needs to check a draw without the repository: the stand-alone verifier and
# the rules it implements, served from the files the repository holds (one source of truth).
VERIFIER = "scripts/verify_ballot.py"
RULES = "docs/ballots.md"


@cache
def _repository_text(path: str) -> bytes:
    return (settings.BASE_DIR / path).read_bytes()


@require_safe
def ballot_verifier(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_repository_text(VERIFIER), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_ballot.py"'
    return response


@require_safe
def ballot_rules(request: HttpRequest) -> HttpResponse:
    # Markdown read as plain text: readable as it is, and nothing in it is ever rendered as HTML.
    return HttpResponse(_repository_text(RULES), content_type="text/plain; charset=utf-8")
