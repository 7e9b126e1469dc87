"""What a run reports: its result, and per step a status, attempts and timing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import final

import msgspec
from returns.result import Result

from spine.core.errors import ErrorCategory, OrchestrationError, SpineError

__all__ = ["RunState", "StepReport", "StepStatus", "SuspendedError", "WorkflowReport"]


class StepStatus(StrEnum):
    """How a step ended (or that it has not)."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    CONTINUED = "continued"
    """Failed, and its policy said to carry on with the fallback value."""
    SKIPPED = "skipped"
    """On a branch a choice did not take (or downstream of one)."""
    WAITING = "waiting"
    """A durable timer that has not fired yet."""


class RunState(StrEnum):
    """How a run ended."""

    COMPLETED = "completed"
    FAILED = "failed"
    SUSPENDED = "suspended"
    """Stopped at a wait step whose deadline is in the future; resume it later."""
    RUNNING = "running"
    """Not finished: steps are still to run (a playground paused at a breakpoint)."""


class SuspendedError(OrchestrationError):
    """The run is waiting for a timer (it is not a failure: resume it when due)."""

    code = "orchestration.suspended"
    category = ErrorCategory.ORCHESTRATION


class StepReport(msgspec.Struct, frozen=True, kw_only=True):
    """One step of a run."""

    name: str
    status: StepStatus
    attempts: int = 0
    duration_s: float = 0.0
    error: str | None = None
    restored: bool = False
    """Taken from a checkpoint rather than run."""
    wake_at: datetime | None = None


@final
class WorkflowReport[O]:
    """A run's result and its steps (built on first access, so a fast run pays nothing)."""

    __slots__ = ("_build", "_steps", "result", "run_id", "state", "workflow")

    def __init__(
        self,
        *,
        workflow: str,
        state: RunState,
        result: Result[O, SpineError],
        steps: Sequence[StepReport] | None = None,
        build: Callable[[], Iterable[StepReport]] | None = None,
        run_id: str | None = None,
    ) -> None:
        self.workflow, self.state, self.result, self.run_id = workflow, state, result, run_id
        self._steps: tuple[StepReport, ...] | None = None if steps is None else tuple(steps)
        self._build = build

    @property
    def steps(self) -> tuple[StepReport, ...]:
        """Every step in topological order."""
        if self._steps is None:
            build = self._build
            self._steps = () if build is None else tuple(build())
            self._build = None
        return self._steps

    def step(self, name: str) -> StepReport:
        """The report of the step called ``name`` (``KeyError`` when there is none)."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def ok(self) -> bool:
        """Whether the run completed."""
        return self.state is RunState.COMPLETED

    def __repr__(self) -> str:
        return f"WorkflowReport(workflow={self.workflow!r}, state={self.state.value}, result={self.result!r})"
