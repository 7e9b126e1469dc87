"""``TrackedWorkflowRunner``: durable workflow runs on any spine database (SQLite by default).

The engine is the one in ``engine.py``; this runner gives it a journal (``RunLog.journal``:
each step's outcome is checkpointed as its ledger event, the value in the event's body, in
one transaction with the run's ledger anchor, before the next step starts) and restored
outcomes (a resumed run applies every finished step's checkpoint instead of running it, and
goes on from the first unfinished step). Runs are
``spine_runs`` rows held under a lease (:mod:`spine.orchestration.leases`), so two workers
never run one run at once and a crashed worker's run is taken over once its lease expires.
Wait steps suspend the run with their deadline stored; ``resume_due`` continues the runs
whose deadline passed. A failed run is filed with the dead-letter queue; ``fork`` starts a
new run from any step, reusing the checkpoints before it.

At-least-once: a step that was running when its worker died runs again on resume. Its
idempotency key, derived from (run id, step, attempt), is the same each time.
Leases are renewed by the steps' own writes, once a quarter of the lease has passed: give
``lease_s`` more than 4/3 of the longest step, or another worker may take the run over
meanwhile (the slow worker is then fenced off at its next write: it changes nothing and
stops).

This is an *edge* module: by default it reads the system clock and ids, and its engine
ports run parallel branches in threads (the database is only touched from the calling
thread). Use one runner per thread, each with its own connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import cast, final

from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import ConflictError, IntegrityError, NotFoundError, SpineError
from spine.core.ids import IdSource
from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
from spine.execution.dispatcher import DeadLetterSink
from spine.execution.executor import Executor
from spine.execution.executors import InlineExecutor
from spine.execution.random_source import SystemRandom
from spine.execution.registry import HandlerRegistry
from spine.execution.status import RunStatus
from spine.orchestration import leases, starts
from spine.orchestration.checkpoint import RunLog
from spine.orchestration.checkpoints import KIND, Checkpoint, TrackedRun
from spine.orchestration.durable_codec import Restored
from spine.orchestration.report import WorkflowReport
from spine.orchestration.run_store import RunStore
from spine.orchestration.runner import build_ports
from spine.orchestration.turns import DurableWorkflow, Entry, drive, failed, prepare, stored_report
from spine.orchestration.workflow import Workflow
from spine.storage.database import Database

__all__ = ["DurableWorkflow", "TrackedWorkflowRunner"]

_RETRIES = 3
"""By default, how often a turn broken off by a transient database error is taken up again."""
_PAUSE_S = 0.05
"""The first pause before that (then 4 and 16 times as long)."""
_NOTHING = Restored(outcomes={})


@final
class TrackedWorkflowRunner:
    """Runs workflows durably: checkpointed, resumable, leased, dead-lettered.

    ``owner`` names this worker (unique among live workers: a worker restarting under its
    own name takes its unfinished runs back at once). ``workflows`` are the ones it can
    resume by name (``run`` registers the workflows it is given, too). ``dead_letters``
    (a :class:`~spine.execution.dlq.DLQManager` on the same database) receives failed runs.
    A checkpoint write that fails for a transient reason is retried by taking the run up
    again from its checkpoints, up to ``transient_retries`` times (0: report it at once and
    leave the run to ``resume``).
    """

    __slots__ = (
        "_clock",
        "_ids",
        "_limit",
        "_operations",
        "_random",
        "_retries",
        "_sleeper",
        "_store",
        "_workflows",
    )

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
        transient_retries: int = _RETRIES,
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
        if transient_retries < 0:
            msg = f"transient_retries must be >= 0, got {transient_retries}"
            raise ValueError(msg)
        self._retries = transient_retries
        self._store = RunStore(
            db, clock=self._clock, ids=self._ids, owner=owner, lease_s=lease_s, dead_letters=dead_letters
        )
        self._workflows: dict[str, Entry] = {}
        for workflow in workflows:
            self.register(workflow)

    def register(self, workflow: DurableWorkflow, /) -> None:
        """Make ``workflow`` resumable by this runner (by its name; the latest one wins)."""
        known = self._workflows.get(workflow.name)
        if known is None or known.plan is not workflow.plan:
            self._workflows[workflow.name] = Entry(workflow.name, workflow.plan)

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
            started = starts.start(self._store, entry, value, run_id, key or run_id)
            if isinstance(started, Success):
                report = self._turn(entry, started.unwrap(), value, _NOTHING, None)
            elif key is not None and isinstance(started.failure(), IntegrityError):
                report = self._keyed(entry, key)  # another worker started this key just now
            if report is None:
                report = failed(entry.name, started.failure())
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
        forked = starts.fork(self._store, entry, source, stored.unwrap(), from_step, self._ids.new_id())
        if not isinstance(forked, Success):
            return Failure(forked.failure())
        log, value, restored = forked.unwrap()
        return Success(self._turn(entry, log, value, restored, None))

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
        """The run's checkpoints (each step's last step event), in step order."""
        return self._store.steps(run_id)

    # --- internals -----------------------------------------------------------------------

    def _keyed(self, entry: Entry, key: str) -> WorkflowReport[object] | None:
        """The run stored under ``key``, continued or reported; ``None`` when there is none."""
        found = self._store.runs.find({"idempotency_key": key})
        if not isinstance(found, Success):
            return failed(entry.name, found.failure())
        if not found.unwrap():
            return None
        row = found.unwrap()[0]
        if row.kind != KIND or row.name != entry.name:
            msg = f"key {key!r} belongs to a {row.kind} run of {row.name!r}, not to workflow {entry.name!r}"
            return failed(entry.name, ConflictError(msg, context={"run_id": row.run_id}), row.run_id)
        done = self._continue(row, entry, None)
        return done.unwrap() if isinstance(done, Success) else failed(entry.name, done.failure(), row.run_id)

    def _find(self, run_id: str) -> Result[tuple[TrackedRun, Entry], SpineError]:
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
        self, row: TrackedRun, entry: Entry, at: datetime | None, *, retries: int | None = None
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
            waiting = isinstance(decision, leases.NotDue)
            return Success(stored_report(row, entry, self.steps, waiting=waiting))
        if isinstance(decision, leases.Busy):
            msg = f"run {row.run_id!r} is held by {decision.owner!r} until {decision.until}"
            return Failure(ConflictError(msg, context={"run_id": row.run_id, "owner": decision.owner}))
        if decision is None:
            return Failure(decided.failure())
        head = self._store.head(row.run_id)  # before the checkpoints: see leases' theory
        prepared = prepare(row, entry, self.steps) if isinstance(head, Success) else Failure(head.failure())
        if not isinstance(prepared, Success):
            return Failure(prepared.failure())
        value, restored = prepared.unwrap()
        claimed = leases.claim(self._store, row, entry.codec, takeover=decision.takeover, head=head.unwrap())
        if not isinstance(claimed, Success):
            return Failure(claimed.failure())
        return Success(self._turn(entry, claimed.unwrap(), value, restored, at, retries=retries))

    def _turn(
        self,
        entry: Entry,
        log: RunLog,
        value: object,
        restored: Restored,
        at: datetime | None,
        *,
        retries: int | None = None,
    ) -> WorkflowReport[object]:
        """Drive the run under ``log`` (``at``: the time timers are judged by).

        A checkpoint write that failed for a transient reason (a dropped connection, a lock
        held too long) breaks the turn off; the run is then taken up again from its
        checkpoints, after a short pause, up to ``retries`` times: the caller sees the run
        complete, not the blip. The step that was being written runs again (at-least-once).
        """
        clock = self._clock

        def gate(deadline: datetime) -> bool:
            return deadline <= (at or clock.now())

        ports = build_ports(
            clock=clock, sleeper=self._sleeper, random=self._random, executor=self._operations, gate=gate
        )
        report = drive(entry, log, value, restored, ports=ports, limit=self._limit)
        broken = log.broken
        retries = self._retries if retries is None else retries
        if broken is None or not broken.retryable or retries <= 0:
            return report
        self._sleeper.sleep(_PAUSE_S * 4 ** (self._retries - retries))
        found = self._find(log.run_id)
        if not isinstance(found, Success):
            return report
        row, known = found.unwrap()
        again = self._continue(row, known, at, retries=retries - 1)
        return again.unwrap() if isinstance(again, Success) else report

    def _sweep(
        self, status: RunStatus, now: datetime | None, limit: int
    ) -> Result[tuple[WorkflowReport[object], ...], SpineError]:
        at = now or self._clock.now()
        due = self._store.due(status, at, limit)
        if not isinstance(due, Success):
            return Failure(due.failure())
        reports: list[WorkflowReport[object]] = []
        for run_id in due.unwrap():
            found = self._find(run_id)
            done: Result[WorkflowReport[object], SpineError]
            if isinstance(found, Success):
                row, entry = found.unwrap()
                done = self._continue(row, entry, at)
            else:
                done = Failure(found.failure())
            if isinstance(done, Success):
                reports.append(done.unwrap())
            elif not isinstance(done.failure(), ConflictError):  # else another worker got there first
                reports.append(failed("", done.failure(), run_id))
        return Success(tuple(reports))
