"""The engine's contract with its runners: journalling, suspending, restoring, reporting."""

from __future__ import annotations

import pytest
from returns.result import Failure, Result, Success

from spine.core.errors import SpineError, StepError
from spine.orchestration import (
    RunState,
    StepReport,
    StepStatus,
    SuspendedError,
    Workflow,
    WorkflowReport,
    chain,
    lift,
    wait,
    workflow,
)
from spine.orchestration.engine import Execution, Outcome, Ports, guarded
from spine.orchestration.graph import INPUT, Branch, Graph, Node, NodeKind
from spine.testing import FakeClock, FakeSleeper
from tests.unit.orchestration.support import add, plain_ports, run_in_engine, statuses


def test_guarded_turns_exceptions_into_errors() -> None:
    def boom() -> Result[object, SpineError]:
        raise ZeroDivisionError

    assert guarded(lambda: Success(1)) == Success(1)
    error = guarded(boom)
    assert isinstance(error, Failure)
    assert error.failure().exception_type == "ZeroDivisionError"


def test_the_journal_sees_every_outcome_in_plan_order_before_the_run_goes_on() -> None:
    wf = workflow("j", chain(add(1), add(2), add(3)))
    seen: list[tuple[int, StepStatus, object]] = []

    def journal(i: int, outcome: Outcome) -> SpineError | None:
        seen.append((i, outcome.status, outcome.value))
        return None

    report = Execution(wf.plan, 0, plain_ports(), workflow="j", journal=journal).run()
    assert report.result == Success(6)
    assert seen == [(0, StepStatus.COMPLETED, 1), (1, StepStatus.COMPLETED, 3), (2, StepStatus.COMPLETED, 6)]


def test_a_journal_error_stops_the_run_with_that_error() -> None:
    wf = workflow("j", chain(add(1), add(2), add(3)))
    refused = StepError("the database is gone")
    calls: list[int] = []

    def journal(i: int, outcome: Outcome) -> SpineError | None:
        calls.append(i)
        return refused if i == 1 else None

    execution = Execution(wf.plan, 0, plain_ports(), workflow="j", journal=journal)
    report = execution.run()
    assert report.result == Failure(refused)
    assert (calls, execution.failed_at) == ([0, 1], 1)
    assert statuses(report)["add_3"] == "pending"


def test_a_wait_that_is_not_due_suspends_the_run() -> None:
    clock = FakeClock()
    ports = Ports(clock=clock, sleeper=FakeSleeper(clock), random=lambda: 0.5, gate=lambda _: False)
    wf = workflow("w", chain(add(1), wait(int, seconds=60, name="nap"), add(1)))
    report = Execution(wf.plan, 0, ports, workflow="w").run()
    assert report.state is RunState.SUSPENDED
    error = report.result.failure()
    assert isinstance(error, SuspendedError)
    assert "waits at step 'nap'" in error.message
    nap = report.step("nap")
    assert (nap.status, nap.attempts) == (StepStatus.WAITING, 0)
    assert nap.wake_at is not None
    assert (nap.wake_at - clock.now()).total_seconds() == 60
    assert statuses(report)["add_2"] == "pending"


def test_restored_outcomes_are_applied_without_running_or_journalling() -> None:
    calls: list[int] = []

    def counted(x: int) -> int:
        calls.append(x)
        return x * 10

    wf = workflow("r", chain(lift(counted, name="first"), add(1)))
    journalled: list[int] = []

    def journal(i: int, outcome: Outcome) -> SpineError | None:
        journalled.append(i)
        return None

    restored = {"first": Outcome(StepStatus.COMPLETED, 70)}
    report = Execution(wf.plan, 7, plain_ports(), workflow="r", restored=restored, journal=journal).run()
    assert report.result == Success(71)
    assert (calls, journalled) == ([], [1])
    assert report.step("first").restored
    assert not report.step("add").restored


def test_a_run_whose_output_step_was_skipped_fails_saying_so() -> None:
    head = Node(name="c", kind=NodeKind.CHOICE, inputs=(INPUT,), branches=(Branch(bool, "t"),), default="d")
    graph = Graph(
        (
            head,
            Node(name="t", kind=NodeKind.PASS, inputs=("c",)),
            Node(name="d", kind=NodeKind.PASS, inputs=("c",)),
        ),
        "t",
    )
    wf = Workflow.from_graph("skip", graph).unwrap()
    assert run_in_engine(wf, 1).result == Success(1)
    report = run_in_engine(wf, 0)
    error = report.result.failure()
    assert error.message == "workflow 'skip' ended without its output step 't' running"
    assert statuses(report) == {"c": "completed", "t": "skipped", "d": "completed"}


def test_reports_are_built_once_on_first_access() -> None:
    built: list[int] = []

    def build() -> list[StepReport]:
        built.append(1)
        return [StepReport(name="a", status=StepStatus.COMPLETED, attempts=1)]

    report: WorkflowReport[int] = WorkflowReport(
        workflow="w", state=RunState.COMPLETED, result=Success(1), build=build
    )
    assert built == []
    assert report.steps is report.steps
    assert built == [1]
    assert report.step("a").attempts == 1
    with pytest.raises(KeyError):
        report.step("b")
    assert report.ok
    assert repr(report) == "WorkflowReport(workflow='w', state=completed, result=<Success: 1>)"
    given = WorkflowReport(workflow="w", state=RunState.FAILED, result=Failure(SpineError("x")), steps=[])
    assert (given.steps, given.ok) == ((), False)
