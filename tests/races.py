"""Races between service calls whose losers are refused with a domain error."""

from collections.abc import Callable, Sequence
from typing import Any

from common.errors import DomainError
from tests.concurrency.helpers import race


def race_for_codes(
    calls: Sequence[Callable[[], Any]], *, refusals: tuple[type[DomainError], ...]
) -> list[Any]:
    """Run every call in its own thread (and database connection), released together; return
    what each returned or, for the `refusals` it raised, their codes. Any other error is raised.
    """
    outcomes = race(calls)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, refusals):
            raise outcome
    return [outcome.code if isinstance(outcome, refusals) else outcome for outcome in outcomes]
