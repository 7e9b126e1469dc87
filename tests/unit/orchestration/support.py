"""Shared pieces of the orchestration tests: deterministic runners, plain ports, small steps."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from spine.core.errors import SpineError, ValidationError
from spine.execution.executor import Executor
from spine.execution.registry import HandlerRegistry
from spine.orchestration import Step, Task, WorkflowReport, WorkflowRunner, lift, step, workflow
from spine.orchestration.engine import Execution, Journal, Outcome, Ports
from spine.orchestration.workflow import Workflow
from spine.testing import FakeClock, FakeSleeper

HALF = 0.5
"""The runners' random draw in these tests: full jitter then waits half the backoff."""


def fake_runner(
    *, max_workers: int = 8, registry: HandlerRegistry | None = None, executor: Executor | None = None
) -> tuple[WorkflowRunner, FakeClock, FakeSleeper]:
    """A runner on a fake clock whose sleeper moves the clock (waits and back-offs are instant)."""
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    runner = WorkflowRunner(
        clock=clock,
        sleeper=sleeper,
        random=lambda: HALF,
        max_workers=max_workers,
        registry=registry,
        executor=executor,
    )
    return runner, clock, sleeper


def plain_ports(clock: FakeClock | None = None) -> Ports:
    """Ports without threads: nodes ready together run one after the other; timers are due."""
    clock = clock or FakeClock()
    return Ports(clock=clock, sleeper=FakeSleeper(clock), random=lambda: HALF, gate=lambda _: True)


def no_journal(index: int, outcome: Outcome) -> SpineError | None:
    """A journal that records nothing."""
    del index, outcome
    return None


def run_in_engine[I, O, E: SpineError](
    flow: Step[I, O, E] | Workflow[I, O, E],
    value: I,
    *,
    general: bool = False,
    journal: Journal | None = None,
    ports: Ports | None = None,
) -> WorkflowReport[object]:
    """Run ``flow`` with ``plain_ports``.

    ``general``: on the scheduler's path even for a chain (the linear fast paths off), with a
    journal (``no_journal`` unless one is given); else a chain takes the linear fast path,
    the journaled one when ``journal`` is given.
    """
    wf = flow if isinstance(flow, Workflow) else workflow("test", flow)
    plan = wf.plan
    if general:
        plan = copy.copy(plan)
        plan.linear = None
        journal = journal or no_journal
    return Execution(plan, value, ports or plain_ports(), workflow=wf.name, journal=journal).run()


def statuses(report: WorkflowReport[object]) -> dict[str, str]:
    """Step name -> status value."""
    return {s.name: s.status.value for s in report.steps}


def total(values: Sequence[int]) -> int:
    """The sum of a parallel step's or a map's outputs."""
    return sum(values)


def add(k: int, *, name: str = "add") -> Task[int, int, SpineError]:
    """``x + k``."""

    def plus(x: int) -> int:
        return x + k

    return lift(plus, name=name)


def fail_when(m: int, *, name: str = "check") -> Task[int, int, SpineError]:
    """Passes ``x`` on, unless ``x % m == 0``: then ``Err(ValidationError("fail{m}@{x}"))``."""

    def check(x: int) -> Result[int, SpineError]:
        if x % m == 0:
            return Failure(ValidationError(f"fail{m}@{x}"))
        return Success(x)

    return step(check).named(name)


def raise_when(m: int, *, name: str = "boom") -> Task[int, int, SpineError]:
    """Passes ``x`` on, unless ``x % m == 0``: then it raises ``ValueError("boom{m}@{x}")``."""

    def boom(x: int) -> int:
        if x % m == 0:
            msg = f"boom{m}@{x}"
            raise ValueError(msg)
        return x

    return lift(boom, name=name)
