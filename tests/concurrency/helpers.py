"""Run work on real threads, each with its own database connection, released together."""

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

# PostgreSQL here allows 100 connections, shared with other test runs: stay at or below 60.
MAX_WORKERS = 60


def race(
    tasks: Sequence[Callable[[], Any]], *, workers: int | None = None, database: bool = True
) -> list[Any]:
    """Run `tasks` on `workers` threads (default: one per task) and return their outcomes.

    With `database`, each thread opens its own connection first; then all wait at a barrier so
    that the first wave of tasks starts at the same moment. An outcome is the task's return
    value or the exception it raised, in the order of `tasks`. HTTP clients pass
    `database=False`: the server's threads hold the connections.
    """
    workers = min(workers or len(tasks), len(tasks))
    assert workers <= MAX_WORKERS, "too many connections for the shared PostgreSQL server"
    todo: queue.Queue[int] = queue.Queue()
    for index in range(len(tasks)):
        todo.put(index)
    outcomes: list[Any] = [None] * len(tasks)
    barrier = threading.Barrier(workers, timeout=60)

    def worker() -> None:
        try:
            if database:
                connection.ensure_connection()
            barrier.wait()
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcomes[index] = tasks[index]()
                except Exception as exc:  # the outcome under test
                    outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return outcomes


def kinds(outcomes: Sequence[Any]) -> dict[str, int]:
    """Count outcomes by class name: {"BookingResult": 1, "SlotTakenError": 49}."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        name = type(outcome).__name__
        counts[name] = counts.get(name, 0) + 1
    return counts
