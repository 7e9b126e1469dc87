"""One worker's turn on a durable run: drive the plan under its log, then end the turn.

``prepare`` reads what a run goes on from (its input, its checkpoints decoded). ``drive``
runs the engine with the restored outcomes and ``RunLog.journal`` as its journal port, then
settles the turn the way the run ended (completed, waiting at a timer, failed) through
:mod:`spine.orchestration.turn_end`; a log the database broke gives its lease up.
``stored_report`` reports a run that does not run now, ``copies`` picks the checkpoints a
fork reuses, ``failed`` is the report of a run that could not go on.

Every effect goes through injected ports: the engine's (which run the steps, in threads
for parallel branches, in the real runners) and the log's database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConflictError, NotFoundError, SpineError, ValidationError
from spine.orchestration import turn_end
from spine.orchestration.checkpoint import RunLog
from spine.orchestration.checkpoints import Checkpoint, TrackedRun, step_reports, stored_outcome
from spine.orchestration.durable_codec import PlanCodec, Restored, restore
from spine.orchestration.engine import Execution, Ports
from spine.orchestration.plan import Plan
from spine.orchestration.report import RunState, StepReport, StepStatus, WorkflowReport

__all__ = ["DurableWorkflow", "Entry", "copies", "drive", "failed", "prepare", "stored_report"]


class DurableWorkflow(Protocol):
    """What the runner needs of a workflow to resume it in another process: a name and a plan."""

    @property
    def name(self) -> str:
        """The name runs are stored under."""
        ...

    @property
    def plan(self) -> Plan:
        """The compiled plan."""
        ...


@final
class Entry:
    """A workflow a runner can run and resume: its name, its plan and the plan's codec."""

    __slots__ = ("codec", "name", "plan")

    def __init__(self, name: str, plan: Plan) -> None:
        self.name, self.plan = name, plan
        self.codec = PlanCodec(plan)


def drive(
    entry: Entry, log: RunLog, value: object, restored: Restored, *, ports: Ports, limit: int
) -> WorkflowReport[object]:
    """Run ``entry``'s plan on ``value`` under ``log`` (restored outcomes applied) and end the turn."""
    log.result = restored.result
    execution = Execution(
        entry.plan,
        value,
        ports,
        workflow=entry.name,
        restored=restored.outcomes,
        journal=log.journal,
        limit=limit,
    )
    report = execution.run()
    report.run_id = log.run_id
    problem = None if log.stopped else _settle(entry, log, execution, report)
    if log.broken is not None:
        turn_end.release(log)
    return report if problem is None else failed(entry.name, problem, log.run_id)


def _settle(
    entry: Entry, log: RunLog, execution: Execution, report: WorkflowReport[object]
) -> SpineError | None:
    """End this worker's turn the way the run ended: completed, waiting, or failed."""
    plan = entry.plan
    if report.state is RunState.COMPLETED:
        if log.result is None:  # the output's checkpoint is missing only if it was never written
            encoded = entry.codec.encode(plan.output, report.result.unwrap())
            if isinstance(encoded, ValidationError):
                return turn_end.fail(log, encoded, plan.nodes[plan.output].name) or encoded
            log.result = encoded
        return turn_end.complete(log)
    waiting = execution.suspended_at
    if report.state is RunState.SUSPENDED and waiting is not None:
        wake_at = report.step(plan.nodes[waiting].name).wake_at
        if wake_at is not None:
            return turn_end.suspend(log, wake_at, plan.nodes[waiting].name)
    failed_at = execution.failed_at
    return turn_end.fail(
        log, report.result.failure(), None if failed_at is None else plan.nodes[failed_at].name
    )


def prepare(
    row: TrackedRun, entry: Entry, steps: Callable[[str], Result[tuple[Checkpoint, ...], SpineError]]
) -> Result[tuple[object, Restored], SpineError]:
    """The run's input and stored outcomes (``steps`` reads its checkpoints), to go on from.

    ``ConflictError`` when the workflow's plan is not the one the run started with.
    """
    stored_plan = row.spec.params.get("plan")
    if stored_plan != entry.codec.fingerprint:
        msg = (
            f"workflow {entry.name!r} changed since run {row.run_id!r} started "
            f"(plan {stored_plan} then, {entry.codec.fingerprint} now): fork the run instead"
        )
        return Failure(ConflictError(msg, context={"run_id": row.run_id}))
    value = entry.codec.decode_input(row.spec.params.get("input"))
    if isinstance(value, ValidationError):
        return Failure(value)
    stored = steps(row.run_id)
    if not isinstance(stored, Success):
        return Failure(stored.failure())
    return restore(entry.codec, stored.unwrap()).map(lambda restored: (value, restored))


def stored_report(
    row: TrackedRun,
    entry: Entry,
    steps: Callable[[str], Result[tuple[Checkpoint, ...], SpineError]],
    *,
    waiting: bool,
) -> WorkflowReport[object]:
    """The report of a run that does not run now (its steps are read only when asked for)."""
    state, result = stored_outcome(row, entry.codec.decode_result, waiting=waiting)
    nodes = entry.plan.nodes

    def build() -> Iterable[StepReport]:
        found = steps(row.run_id)
        return step_reports(nodes, found.unwrap() if isinstance(found, Success) else ())

    return WorkflowReport(workflow=entry.name, state=state, result=result, build=build, run_id=row.run_id)


def copies(
    plan: Plan, rows: Iterable[Checkpoint], from_step: str | None, run_id: str
) -> Result[tuple[str, list[Checkpoint]], SpineError]:
    """The step a fork starts from, and the finished checkpoints before it, moved to ``run_id``."""
    done = {r.step_name for r in rows if r.status in (StepStatus.COMPLETED, StepStatus.CONTINUED)}
    if from_step is None:
        start = next((i for i, n in enumerate(plan.nodes) if n.name not in done), None)
        if start is None:
            return Failure(ConflictError("every step of the run finished: name the step to fork from"))
    elif from_step in plan.index:
        start = plan.index[from_step]
    else:
        return Failure(NotFoundError(f"the workflow has no step {from_step!r}", key=from_step))
    copied = [
        msgspec.structs.replace(r, run_id=run_id, step_index=plan.index[r.step_name])
        for r in rows
        if r.step_name in done and plan.index.get(r.step_name, start) < start
    ]
    return Success((plan.nodes[start].name, copied))


def failed(workflow: str, error: SpineError, run_id: str | None = None) -> WorkflowReport[object]:
    """The report of a run that could not start or go on: ``error``, no steps."""
    return WorkflowReport(
        workflow=workflow, state=RunState.FAILED, result=Failure(error), steps=(), run_id=run_id
    )
