"""``WorkflowPlayground``: a debugger over the real engine — step, break, rewind, edit, go on.

It drives the same ``Execution`` every runner uses (``engine.py``), one node at a time, so
choices, maps, waits, retries and error policies behave exactly as under
``WorkflowRunner``: give it a fake clock and sleeper (``spine.testing``) and wait steps
and retry back-offs take no time. History is the list of finished steps with their
outcomes; ``step_back`` rebuilds the execution from all but the last of them (the
engine's own restore path), and ``set_value`` rewrites a finished step's output the same
way, so every later step sees the edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import final

from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import NotFoundError, SpineError
from spine.orchestration.engine import Execution, Outcome, Ports, sleeping_gate
from spine.orchestration.report import StepStatus, WorkflowReport
from spine.orchestration.workflow import Workflow

__all__ = ["Breakpoint", "HistoryEntry", "WorkflowPlayground"]


type Breakpoint = Callable[[str, object], bool]
"""Stops before a step: called with the step's name and the value it is about to read."""


@final
class HistoryEntry:
    """One finished step: its name and outcome (value or error, attempts, wake-up time)."""

    __slots__ = ("name", "outcome")

    def __init__(self, name: str, outcome: Outcome) -> None:
        self.name, self.outcome = name, outcome

    def __repr__(self) -> str:
        return f"HistoryEntry({self.name!r}, {self.outcome!r})"


@final
class WorkflowPlayground[In, Out]:
    """Step through ``workflow`` on ``value``.

    >>> from spine.orchestration import chain, lift, workflow
    >>> from spine.core.system import SystemClock, SystemSleeper
    >>> inc = lift(lambda x: x + 1, name="inc")
    >>> flow = workflow("count", chain(inc, inc, inc))
    >>> pg = WorkflowPlayground(flow, 0, clock=SystemClock(), sleeper=SystemSleeper())
    >>> pg.peek(), pg.step().name, pg.step().name, pg.value_of("inc_2")
    (('inc', 0), 'inc', 'inc_2', 2)
    >>> pg.step_back().name, pg.peek()
    ('inc_2', ('inc_2', 1))
    >>> pg.set_value("inc", 10)
    >>> pg.run().result
    <Success: 12>
    """

    __slots__ = ("_breakpoints", "_execution", "_history", "_ports", "_value", "_workflow")

    def __init__(
        self,
        workflow: Workflow[In, Out, SpineError],
        value: In,
        *,
        clock: Clock,
        sleeper: Sleeper,
        random: Callable[[], float] = lambda: 0.5,
        ports: Ports | None = None,
    ) -> None:
        self._workflow, self._value = workflow, value
        self._ports = ports or Ports(
            clock=clock, sleeper=sleeper, random=random, gate=sleeping_gate(clock, sleeper)
        )
        self._history: list[HistoryEntry] = []
        self._breakpoints: list[Breakpoint] = []
        self._execution = self._rebuild()

    # --- looking --------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """True when nothing more will run (completed, failed or suspended)."""
        return self._execution.finished

    @property
    def history(self) -> tuple[HistoryEntry, ...]:
        """The finished steps, in the order they finished."""
        return tuple(self._history)

    def peek(self) -> tuple[str, object] | None:
        """The next step and the value it would read (``None`` when finished)."""
        i = self._next()
        return None if i is None else (self._workflow.plan.nodes[i].name, self._execution.input_of(i))

    def value_of(self, step: str) -> object:
        """The output of a finished step (``KeyError`` if it has not finished)."""
        i = self._workflow.plan.index[step]
        if self._execution.status[i] not in (StepStatus.COMPLETED, StepStatus.CONTINUED):
            raise KeyError(step)
        return self._execution.values[i]

    def status_of(self, step: str) -> StepStatus:
        """Where ``step`` is (PENDING, COMPLETED, SKIPPED, ...)."""
        return self._execution.status[self._workflow.plan.index[step]]

    def report(self) -> WorkflowReport[Out]:
        """The run's report as things stand."""
        return self._execution.report()  # type: ignore[return-value]  # the workflow's output type

    # --- moving ---------------------------------------------------------------------

    def step(self) -> HistoryEntry | None:
        """Run the next step (retries, timeout and all); ``None`` when finished."""
        i = self._next()
        if i is None:
            return None
        execution = self._execution
        execution.ready.remove(i)
        outcome = execution.execute(i)
        execution.apply(i, outcome)
        entry = HistoryEntry(self._workflow.plan.nodes[i].name, outcome)
        self._history.append(entry)
        return entry

    def run(self) -> WorkflowReport[Out]:
        """Step until finished or a breakpoint holds before the next step."""
        while self._next() is not None:
            self.step()
            if self._at_breakpoint():
                break
        return self.report()

    def run_to(self, step: str) -> Result[WorkflowReport[Out], NotFoundError]:
        """Step until ``step`` is next (or everything finished)."""
        if step not in self._workflow.plan.index:
            return Failure(NotFoundError(f"the workflow has no step {step!r}", resource="step", key=step))
        while (nxt := self.peek()) is not None and nxt[0] != step:
            self.step()
        return Success(self.report())

    def step_back(self) -> HistoryEntry | None:
        """Undo the last finished step (it will run again); ``None`` at the start."""
        if not self._history:
            return None
        undone = self._history.pop()
        self._execution = self._rebuild()
        return undone

    def set_value(self, step: str, value: object) -> None:
        """Replace a finished step's output; the steps that finished after it will run again."""
        for k, entry in enumerate(self._history):
            if entry.name == step:
                old = entry.outcome
                self._history[k] = HistoryEntry(
                    step, Outcome(StepStatus.COMPLETED, value, attempts=old.attempts)
                )
                del self._history[k + 1 :]  # what ran after it read the old value: it runs again
                self._execution = self._rebuild()
                return
        raise KeyError(step)

    def restart(self, value: In | None = None) -> None:
        """Start over (with a new input when given); breakpoints stay."""
        if value is not None:
            self._value = value
        self._history = []
        self._execution = self._rebuild()

    # --- breakpoints ----------------------------------------------------------------

    def break_at(self, step: str) -> None:
        """Stop ``run`` before ``step``."""
        if step not in self._workflow.plan.index:
            raise KeyError(step)
        self._breakpoints.append(lambda name, _value: name == step)

    def break_when(self, predicate: Breakpoint) -> None:
        """Stop ``run`` before any step for which ``predicate(name, value)`` holds."""
        self._breakpoints.append(predicate)

    def clear_breakpoints(self) -> None:
        """Remove every breakpoint."""
        self._breakpoints.clear()

    # --- internals ------------------------------------------------------------------

    def _next(self) -> int | None:
        execution = self._execution
        if execution.stopped or not execution.ready:
            return None
        return min(execution.ready)

    def _at_breakpoint(self) -> bool:
        nxt = self.peek()
        return nxt is not None and any(bp(nxt[0], nxt[1]) for bp in self._breakpoints)

    def _rebuild(self) -> Execution:
        """A fresh execution with every history entry applied, in order, without running."""
        execution = Execution(self._workflow.plan, self._value, self._ports, workflow=self._workflow.name)
        index = self._workflow.plan.index
        for entry in self._history:
            i = index[entry.name]
            if i in execution.ready:
                execution.ready.remove(i)
            execution.apply(i, entry.outcome)
        return execution
