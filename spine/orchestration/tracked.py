"""``TrackedWorkflowRunner``: durable workflow runs on any spine database (SQLite by default).

The engine is the one in ``engine.py``; this runner gives it a journal (``RunLog.journal``:
each step's outcome is checkpointed with its ledger event, in one transaction, before the
next step starts) and restored outcomes (a resumed run applies every finished step's
checkpoint instead of running it, and goes on from the first unfinished step). Runs are
``spine_runs`` rows held under a lease (:mod:`spine.orchestration.leases`), so two workers
never run one run at once and a crashed worker's run is taken over once its lease expires.
Wait steps suspend the run with their deadline stored; ``resume_due`` continues the runs
whose deadline passed. A run that fails is filed with the dead-letter queue; ``fork`` starts
a new run from any step, reusing the checkpoints before it.

At-least-once: a step that was running when its worker died runs again on resume. Its
idempotency key, stored with its checkpoint, is the same each time (run id, step, attempt).
Leases are renewed by the steps' own writes: give ``lease_s`` more than the longest step
takes, or another worker may take the run over meanwhile (the slow worker is then fenced
off at its next write: it changes nothing and stops).

This is an *edge* module: by default it reads the system clock and ids, and its engine
ports run parallel branches in threads (the database is only touched from the calling
thread). Use one runner per thread, each with its own connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol, cast, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import ConflictError, IntegrityError, NotFoundError, SpineError, ValidationError
from spine.core.ids import IdSource
from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
from spine.execution.dispatcher import DeadLetterSink
from spine.execution.executor import Executor
from spine.execution.executors import InlineExecutor
from spine.execution.random_source import SystemRandom
from spine.execution.registry import HandlerRegistry
from spine.execution.spec import WorkKind, WorkSpec
from spine.execution.status import RunStatus
from spine.orchestration import leases
from spine.orchestration.checkpoint import RunLog, RunStore
from spine.orchestration.checkpoints import (
    DUE,
    KIND,
    ORPHANED,
    Checkpoint,
    TrackedRun,
    step_reports,
    stored_outcome,
)
from spine.orchestration.durable_codec import PlanCodec, Restored, restore
from spine.orchestration.engine import Execution
from spine.orchestration.plan import Plan
from spine.orchestration.report import RunState, StepReport, StepStatus, WorkflowReport
from spine.orchestration.runner import build_ports
from spine.orchestration.workflow import Workflow
from spine.storage.database import Database

__all__ = ["DurableWorkflow", "TrackedWorkflowRunner"]

_NOTHING = Restored(outcomes={}, unfinished=frozenset())


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
class _Entry:
    __slots__ = ("codec", "name", "plan")

    def __init__(self, workflow: DurableWorkflow) -> None:
        self.name, self.plan = workflow.name, workflow.plan
        self.codec = PlanCodec(self.plan)


@final
class TrackedWorkflowRunner:
    """Runs workflows durably: checkpointed, resumable, leased, dead-lettered.

    ``owner`` names this worker (unique among live workers: a worker restarting under its
    own name takes its unfinished runs back at once). ``workflows`` are the ones it can
    resume by name (``run`` registers the workflows it is given, too). ``dead_letters``
    (a :class:`~spine.execution.dlq.DLQManager` on the same database) receives failed runs.
    """

    __slots__ = ("_clock", "_ids", "_limit", "_operations", "_random", "_sleeper", "_store", "_workflows")

    def __init__(
        self,
        db: Database,
        *,
        owner: str,
        workflows: Iterable[DurableWorkflow] = (),
        lease_s: float = 30.0,
        clock: Clock | None = None,
        sleeper: Sleeper | None = None,
        ids: IdSource | None = None,
        random: Callable[[], float] | None = None,
        registry: HandlerRegistry | None = None,
        executor: Executor | None = None,
        dead_letters: DeadLetterSink | None = None,
        max_workers: int = 8,
    ) -> None:
        if not 0 < len(owner) <= 200 or not lease_s > 0:
            msg = f"owner must be 1-200 characters and lease_s > 0, got {owner!r} and {lease_s}"
            raise ValueError(msg)
        self._clock = clock or SystemClock()
        self._sleeper = sleeper or SystemSleeper()
        self._ids = ids or SystemIdSource()
        self._random = random or SystemRandom().random
        self._operations = InlineExecutor(registry) if executor is None and registry is not None else executor
        self._limit = max_workers
        self._store = RunStore(
            db, clock=self._clock, ids=self._ids, owner=owner, lease_s=lease_s, dead_letters=dead_letters
        )
        self._workflows: dict[str, _Entry] = {}
        for workflow in workflows:
            self.register(workflow)

    def register(self, workflow: DurableWorkflow, /) -> None:
        """Make ``workflow`` resumable by this runner (by its name; the latest one wins)."""
        known = self._workflows.get(workflow.name)
        if known is None or known.plan is not workflow.plan:
            self._workflows[workflow.name] = _Entry(workflow)

    # --- running -------------------------------------------------------------------------

    def run[I, O, E: SpineError](
        self, workflow: Workflow[I, O, E], value: I, /, *, key: str | None = None
    ) -> WorkflowReport[O]:
        """Run ``workflow`` on ``value`` durably; ``report.run_id`` names the run.

        With ``key``: a run stored under that key is never started again. A finished one
        hands back its stored result without running anything; an unfinished one is resumed
        (when its lease allows: otherwise the report carries the ``ConflictError``).
        """
        self.register(workflow)
        entry = self._workflows[workflow.name]
        report = self._keyed(entry, key) if key is not None else None
        if report is None:
            run_id = self._ids.new_id()
            started = self._start(entry, value, run_id, key or run_id)
            if isinstance(started, Success):
                report = self._drive(entry, started.unwrap(), value, _NOTHING, None)
            elif key is not None and isinstance(started.failure(), IntegrityError):
                report = self._keyed(entry, key)  # another worker started this key just now
            if report is None:
                report = _failed(entry.name, started.failure())
        return cast("WorkflowReport[O]", report)

    def resume(self, run_id: str, /) -> Result[WorkflowReport[object], SpineError]:
        """Continue ``run_id`` from its first unfinished step; every finished step is restored.

        A run that ended reports its stored outcome, a timer not yet due SUSPENDED, without
        running anything. ``ConflictError`` when another worker holds the run or the
        workflow changed since it started; ``NotFoundError`` for an unknown run, or a
        workflow this runner does not know.
        """
        found = self._find(run_id)
        if not isinstance(found, Success):
            return Failure(found.failure())
        row, entry = found.unwrap()
        return self._continue(row, entry, None)

    def resume_due(
        self, now: datetime | None = None, /, *, limit: int = 100
    ) -> Result[tuple[WorkflowReport[object], ...], SpineError]:
        """Continue the waiting runs whose deadline is at or before ``now`` (default: the clock's).

        Runs another worker continues meanwhile are left out; one that cannot be continued
        reports its error.
        """
        return self._sweep(RunStatus.WAITING, now, limit)

    def recover(
        self, now: datetime | None = None, /, *, limit: int = 100
    ) -> Result[tuple[WorkflowReport[object], ...], SpineError]:
        """Take over and continue the running runs whose worker's lease expired by ``now``."""
        return self._sweep(RunStatus.RUNNING, now, limit)

    def fork(
        self, run_id: str, /, from_step: str | None = None
    ) -> Result[WorkflowReport[object], SpineError]:
        """A new run of ``run_id``'s workflow and input, reusing the checkpoints before ``from_step``.

        Steps before ``from_step`` (in plan order) that finished are copied, not run; the rest
        run again. ``from_step=None``: from the first step that did not finish (the failed
        one). The new run's ``parent_run_id`` is ``run_id``. The workflow registered now is
        the one that runs, so a corrected step can be forked from.
        """
        found = self._find(run_id)
        if not isinstance(found, Success):
            return Failure(found.failure())
        source, entry = found.unwrap()
        stored = self.steps(run_id)
        if not isinstance(stored, Success):
            return Failure(stored.failure())
        new_id = self._ids.new_id()
        copies = _copies(entry.plan, stored.unwrap(), from_step, new_id)
        if not isinstance(copies, Success):
            return Failure(copies.failure())
        start, rows = copies.unwrap()
        restored = restore(entry.codec, rows)
        value = entry.codec.decode_input(source.spec.params.get("input"))
        if not isinstance(restored, Success) or isinstance(value, ValidationError):
            return Failure(value if isinstance(value, ValidationError) else restored.failure())
        params = {**source.spec.params, "plan": entry.codec.fingerprint}
        spec = msgspec.structs.replace(source.spec, params=params, idempotency_key=None)
        event = {"from_run": run_id, "from_step": start, "reused": len(rows), "owner": self._store.owner}
        run = self._new_run(entry, new_id, new_id, spec, parent=run_id)
        log = leases.create(self._store, run, entry.codec, ("forked", event), rows)
        if not isinstance(log, Success):
            return Failure(log.failure())
        return Success(self._drive(entry, log.unwrap(), value, restored.unwrap(), None))

    # --- reading -------------------------------------------------------------------------

    def get(self, run_id: str, /) -> Result[TrackedRun, SpineError]:
        """The run's row (``NotFoundError`` when there is no workflow run ``run_id``)."""
        found = self._store.runs.get(run_id)
        if not isinstance(found, Success):
            return Failure(found.failure())
        row = found.unwrap()
        if row is None or row.kind != KIND:
            return Failure(NotFoundError(f"no workflow run {run_id!r}", resource="spine_runs", key=run_id))
        return Success(row)

    def runs(
        self, *, status: RunStatus | None = None, limit: int = 100
    ) -> Result[tuple[TrackedRun, ...], SpineError]:
        """Workflow runs, oldest first, optionally only those with ``status``."""
        where = {"kind": KIND} if status is None else {"kind": KIND, "status": status.value}
        return self._store.runs.find(where, order_by=["created_at", "run_id"], limit=limit)

    def steps(self, run_id: str, /) -> Result[tuple[Checkpoint, ...], SpineError]:
        """The run's checkpoints, in step order."""
        return self._store.checkpoints.find({"run_id": run_id}, order_by=["step_index"])

    # --- internals -----------------------------------------------------------------------

    def _new_run(
        self, entry: _Entry, run_id: str, key: str, spec: WorkSpec, parent: str | None = None
    ) -> TrackedRun:
        now = self._clock.now()
        return TrackedRun(
            run_id=run_id,
            name=entry.name,
            status=RunStatus.RUNNING,
            idempotency_key=key,
            parent_run_id=parent,
            spec=spec,
            created_at=now,
            updated_at=now,
        )

    def _start(self, entry: _Entry, value: object, run_id: str, key: str) -> Result[RunLog, SpineError]:
        raw = entry.codec.encode_input(value)
        if isinstance(raw, ValidationError):
            return Failure(raw)
        try:
            params = {"input": raw, "plan": entry.codec.fingerprint}
            spec = WorkSpec(name=entry.name, kind=WorkKind.WORKFLOW, params=params, idempotency_key=key)
        except ValidationError as error:
            return Failure(error)
        event = {"workflow": entry.name, "key": key, "owner": self._store.owner}
        run = self._new_run(entry, run_id, key, spec)
        return leases.create(self._store, run, entry.codec, ("started", event))

    def _keyed(self, entry: _Entry, key: str) -> WorkflowReport[object] | None:
        """The run stored under ``key``, continued or reported; ``None`` when there is none."""
        found = self._store.runs.find({"idempotency_key": key})
        if not isinstance(found, Success):
            return _failed(entry.name, found.failure())
        if not found.unwrap():
            return None
        row = found.unwrap()[0]
        if row.kind != KIND or row.name != entry.name:
            msg = f"key {key!r} belongs to a {row.kind} run of {row.name!r}, not to workflow {entry.name!r}"
            return _failed(entry.name, ConflictError(msg, context={"run_id": row.run_id}), row.run_id)
        done = self._continue(row, entry, None)
        return done.unwrap() if isinstance(done, Success) else _failed(entry.name, done.failure(), row.run_id)

    def _find(self, run_id: str) -> Result[tuple[TrackedRun, _Entry], SpineError]:
        found = self.get(run_id)
        if not isinstance(found, Success):
            return Failure(found.failure())
        row = found.unwrap()
        entry = self._workflows.get(row.name)
        if entry is None:
            msg = f"run {run_id!r} is of workflow {row.name!r}, which this runner does not know: register it"
            return Failure(NotFoundError(msg, resource="workflow", key=row.name))
        return Success((row, entry))

    def _continue(
        self, row: TrackedRun, entry: _Entry, at: datetime | None
    ) -> Result[WorkflowReport[object], SpineError]:
        """Claim ``row`` and run it on, or report it as it stands (see ``leases.decide``)."""
        decided = leases.decide(
            row.status,
            owner=self._store.owner,
            now=at or self._clock.now(),
            lease_owner=row.lease_owner,
            lease_expires_at=row.lease_expires_at,
            wake_at=row.wake_at,
        )
        decision = decided.unwrap() if isinstance(decided, Success) else None
        if isinstance(decision, leases.Stored | leases.NotDue):
            return Success(self._stored(row, entry, waiting=isinstance(decision, leases.NotDue)))
        if isinstance(decision, leases.Busy):
            msg = f"run {row.run_id!r} is held by {decision.owner!r} until {decision.until}"
            return Failure(ConflictError(msg, context={"run_id": row.run_id, "owner": decision.owner}))
        if decision is None:
            return Failure(decided.failure())
        prepared = self._prepare(row, entry)
        if not isinstance(prepared, Success):
            return Failure(prepared.failure())
        value, restored = prepared.unwrap()
        claimed = leases.claim(self._store, row, entry.codec, takeover=decision.takeover)
        if not isinstance(claimed, Success):
            return Failure(claimed.failure())
        return Success(self._drive(entry, claimed.unwrap(), value, restored, at))

    def _prepare(self, row: TrackedRun, entry: _Entry) -> Result[tuple[object, Restored], SpineError]:
        """The run's input and stored outcomes, read before claiming it.

        A checkpoint written in between moves the run's anchor, so the claim then fails.
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
        stored = self.steps(row.run_id)
        if not isinstance(stored, Success):
            return Failure(stored.failure())
        return restore(entry.codec, stored.unwrap()).map(lambda restored: (value, restored))

    def _drive(
        self, entry: _Entry, log: RunLog, value: object, restored: Restored, at: datetime | None
    ) -> WorkflowReport[object]:
        """Run the plan under ``log`` (``at``: the time timers are judged by) and end the turn."""
        log.existing.update(restored.unfinished)
        log.result = restored.result
        clock = self._clock

        def gate(deadline: datetime) -> bool:
            return deadline <= (at or clock.now())

        ports = build_ports(
            clock=clock, sleeper=self._sleeper, random=self._random, executor=self._operations, gate=gate
        )
        execution = Execution(
            entry.plan,
            value,
            ports,
            workflow=entry.name,
            restored=restored.outcomes,
            journal=log.journal,
            limit=self._limit,
        )
        report = execution.run()
        report.run_id = log.run_id
        problem = None if log.stopped else _settle(entry, log, execution, report)
        if log.broken is not None:
            log.release()
        return report if problem is None else _failed(entry.name, problem, log.run_id)

    def _stored(self, row: TrackedRun, entry: _Entry, *, waiting: bool) -> WorkflowReport[object]:
        """The report of a run that does not run now (its steps are read only when asked for)."""
        state, result = stored_outcome(row, entry.codec.decode_result, waiting=waiting)
        nodes, steps = entry.plan.nodes, self.steps

        def build() -> Iterable[StepReport]:
            found = steps(row.run_id)
            return step_reports(nodes, found.unwrap() if isinstance(found, Success) else ())

        return WorkflowReport(workflow=entry.name, state=state, result=result, build=build, run_id=row.run_id)

    def _sweep(
        self, status: RunStatus, now: datetime | None, limit: int
    ) -> Result[tuple[WorkflowReport[object], ...], SpineError]:
        at = now or self._clock.now()
        statement = DUE if status is RunStatus.WAITING else ORPHANED
        due = self._store.db.execute(
            statement, {"kind": KIND, "status": status.value, "now": at, "limit": limit}
        )
        if not isinstance(due, Success):
            return Failure(due.failure())
        reports: list[WorkflowReport[object]] = []
        for (run_id,) in due.unwrap().rows:
            found = self._find(str(run_id))
            done: Result[WorkflowReport[object], SpineError]
            if isinstance(found, Success):
                row, entry = found.unwrap()
                done = self._continue(row, entry, at)
            else:
                done = Failure(found.failure())
            if isinstance(done, Success):
                reports.append(done.unwrap())
            elif not isinstance(done.failure(), ConflictError):  # else another worker got there first
                reports.append(_failed("", done.failure(), str(run_id)))
        return Success(tuple(reports))


def _copies(
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


def _settle(
    entry: _Entry, log: RunLog, execution: Execution, report: WorkflowReport[object]
) -> SpineError | None:
    """End this worker's turn the way the run ended: completed, waiting, or failed."""
    plan = entry.plan
    if report.state is RunState.COMPLETED:
        if log.result is None:  # the output's checkpoint is missing only if it was never written
            encoded = entry.codec.encode(plan.output, report.result.unwrap())
            if isinstance(encoded, ValidationError):
                return log.fail(encoded, plan.nodes[plan.output].name) or encoded
            log.result = encoded
        return log.complete()
    waiting = execution.suspended_at
    if report.state is RunState.SUSPENDED and waiting is not None:
        wake_at = report.step(plan.nodes[waiting].name).wake_at
        if wake_at is not None:
            return log.suspend(wake_at, plan.nodes[waiting].name)
    failed = execution.failed_at
    return log.fail(report.result.failure(), None if failed is None else plan.nodes[failed].name)


def _failed(workflow: str, error: SpineError, run_id: str | None = None) -> WorkflowReport[object]:
    return WorkflowReport(
        workflow=workflow, state=RunState.FAILED, result=Failure(error), steps=(), run_id=run_id
    )
