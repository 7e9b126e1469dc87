"""The attempts a ``CeleryExecutor`` has sent and not yet seen end, with their deadlines.

Taking a flight out of the table is the right to report its outcome: every way an attempt
can end (its result, its deadline, a cancel, a shutdown) goes through :meth:`FlightTable.pop`,
``pop_run``, ``pop_due`` or ``pop_all``, under one lock, so exactly one of them wins.
"""

from __future__ import annotations

import heapq
import threading
from typing import final

from celery.result import AsyncResult

from spine.execution.executor import Done
from spine.execution.runner import Attempt

__all__ = ["Flight", "FlightTable"]


@final
class Flight:
    """One attempt sent as a Celery task: what to report, to whom, and by when."""

    __slots__ = ("attempt", "deadline", "done", "result", "sent_at", "task_id")

    def __init__(
        self, attempt: Attempt, done: Done, result: AsyncResult, *, sent_at: float, deadline: float
    ) -> None:
        self.attempt, self.done, self.result = attempt, done, result
        self.task_id, self.sent_at, self.deadline = result.id, sent_at, deadline


@final
class FlightTable:
    """Task id → flight, run id → task id, and a heap of deadlines; thread-safe."""

    __slots__ = ("_by_run", "_deadlines", "_flights", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, Flight] = {}
        self._by_run: dict[str, str] = {}
        self._deadlines: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._flights)

    def add(self, flight: Flight, /) -> None:
        """Track ``flight`` (one per run: the Dispatcher never runs two attempts of a run at once)."""
        with self._lock:
            self._flights[flight.task_id] = flight
            self._by_run[flight.attempt.run_id] = flight.task_id
            heapq.heappush(self._deadlines, (flight.deadline, flight.task_id))

    def pop(self, task_id: str, /) -> Flight | None:
        """Take the flight of ``task_id`` out; None if something else already ended it."""
        with self._lock:
            return self._pop(task_id)

    def pop_run(self, run_id: str, /) -> Flight | None:
        """Take the flight of ``run_id``'s attempt out; None if it has none in flight."""
        with self._lock:
            task_id = self._by_run.get(run_id)
            return None if task_id is None else self._pop(task_id)

    def pop_all(self) -> list[Flight]:
        """Take every flight out."""
        with self._lock:
            return [f for f in (self._pop(t) for t in list(self._flights)) if f is not None]

    def pop_due(self, now: float, /) -> list[Flight]:
        """Take out the flights whose deadline is ``now`` or earlier."""
        found: list[Flight] = []
        with self._lock:
            while self._deadlines and self._deadlines[0][0] <= now:
                _, task_id = heapq.heappop(self._deadlines)
                flight = self._pop(task_id)
                if flight is not None:
                    found.append(flight)
            if len(self._deadlines) > 2 * len(self._flights) + 1024:  # drop the ended ones' entries
                self._deadlines = [(f.deadline, f.task_id) for f in self._flights.values()]
                heapq.heapify(self._deadlines)
        return found

    def sent_before(self, cutoff: float, /) -> list[Flight]:
        """The flights sent at ``cutoff`` or earlier (still in the table)."""
        with self._lock:
            return [f for f in self._flights.values() if f.sent_at <= cutoff]

    def _pop(self, task_id: str) -> Flight | None:
        flight = self._flights.pop(task_id, None)
        if flight is not None and self._by_run.get(flight.attempt.run_id) == task_id:
            del self._by_run[flight.attempt.run_id]
        return flight
