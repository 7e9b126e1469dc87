"""Database faults in the middle of a durable run, provoked for real.

PostgreSQL: a step has the runner's own backend killed (``pg_terminate_backend``, from an
admin connection). MariaDB: the same with ``KILL``. SQLite: a step has another connection
take the write lock (``BEGIN IMMEDIATE``) and hold it while the runner checkpoints.

What holds: the checkpoint written next fails with a *retryable* error (the connection is
re-established on the next call; SQLite waits out a lock shorter than ``busy_timeout``);
the run is neither failed nor dead-lettered, its lease is given up, and ``resume`` finishes
it from its last checkpoint: the result is right, every step has exactly one checkpoint
and one ``step_completed`` event, only the step whose checkpoint was lost ran twice
(at-least-once), and the hash chain verifies. With ``transient_retries`` (the default) the
runner takes the run up again itself, so ``run()`` completes it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Never

import pytest
from returns.result import Success

from spine.core.errors import DatabaseConnectionError, DatabaseError, QueryError, SpineError
from spine.core.system import SystemClock, SystemIdSource
from spine.execution.dlq import DLQManager
from spine.execution.ledger import ExecutionLedger
from spine.execution.status import RunStatus
from spine.orchestration import RunState, StepStatus, Task, chain, lift, workflow
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.storage.compiled import CompiledQuery
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.sql import sql
from tests.integration.storage.isolated import BACKEND_PARAMS, backends, raw
from tests.reliability.race_worker import private_database
from tests.services import require

HOLD_S: Final = 0.5
"""How long the concurrent SQLite writer holds the write lock."""
STEPS: Final = ("a", "strike", "c", "d")
"""``strike`` provokes the fault; its checkpoint is the first write to meet it."""
_NOTE = sql("INSERT INTO side_effects (item, step, worker) VALUES (:item, :step, :worker)")
_KILLS: Final = BACKEND_PARAMS[1:]


def _scalar(db: Database, text: str) -> object:
    query = CompiledQuery(sql=text, dialect=db.dialect.name, paramstyle=db.dialect.paramstyle)
    return db.connection.execute(query).unwrap().scalar()


def _expected(x: int) -> int:
    for k in range(1, len(STEPS) + 1):
        x = x * 2 + k
    return x


def _flow(calls: Counter[str], strike: Callable[[], None]) -> Workflow[int, int, SpineError]:
    """``a -> strike -> c -> d``, each ``x -> 2x + k``; ``strike`` provokes the fault once."""

    def stage(name: str, k: int) -> Task[int, int, SpineError]:
        def run(x: int) -> int:
            calls[name] += 1
            if name == "strike" and calls[name] == 1:
                strike()
            return x * 2 + k

        task: Task[int, int, Never] = lift(run, name=name)
        return task

    a, s, c, d = (stage(name, k) for k, name in enumerate(STEPS, start=1))
    return workflow("faulted", chain(a, s, c, d))


class Fault:
    """The runner's database, and the fault one of its steps provokes there."""

    def __init__(
        self,
        db: Database,
        strike: Callable[[], None],
        *,
        session: Callable[[], object] = lambda: None,
        settled: Callable[[], None] = lambda: None,
    ) -> None:
        self.db, self.strike = db, strike
        self.session = session
        """The id of the runner's database session now."""
        self.settled = settled
        """Wait until the fault is over (the SQLite writer let go of its lock)."""


def _wait_until_gone(admin: Database, text: str) -> None:
    deadline = time.monotonic() + 5
    while _scalar(admin, text) is not None:
        assert time.monotonic() < deadline, f"still alive: {text}"
        time.sleep(0.02)


class _Writer:
    """A concurrent SQLite writer: another connection holds the write lock for ``hold_s``."""

    def __init__(self, url: str, hold_s: float) -> None:
        self.url, self.hold_s = url, hold_s
        self.locked = threading.Event()
        self.committed: list[bool] = []
        self.thread = threading.Thread(target=self._hold, name="sqlite-writer")

    def _hold(self) -> None:
        other = Database(connect(self.url).unwrap())  # sqlite3 connections stay in their thread
        try:
            with other.transaction() as tx:  # BEGIN IMMEDIATE: the write lock, now
                other.execute(_NOTE, {"item": 0, "step": "writer", "worker": "writer"}).unwrap()
                self.locked.set()
                time.sleep(self.hold_s)
            self.committed.append(isinstance(tx.outcome, Success))
        finally:
            other.close()

    def start(self) -> None:
        """Take the lock; return once it is held."""
        self.thread.start()
        assert self.locked.wait(5)

    def finish(self) -> None:
        """Wait for the writer to commit (its write must go through too)."""
        self.thread.join(10)
        assert self.committed == [True]


@contextmanager
def _faulted(backend: str, tmp_path: Path, *, busy_timeout: float) -> Generator[Fault]:
    """A private database, the runner's connection to it, and a fault for a step to provoke."""
    with private_database(backend, tmp_path) as (setup, url):
        if backend == "sqlite":
            db = Database(connect(f"{url}?busy_timeout={busy_timeout}").unwrap())
            writer = _Writer(url, HOLD_S)
            try:
                yield Fault(db, writer.start, settled=writer.finish)
            finally:
                if writer.thread.is_alive():
                    writer.thread.join(10)
                db.close()
            return
        db = setup  # one connection (PostgreSQL: a pool of one), so the killed session is the runner's
        admin = Database(connect(require("postgres" if backend == "postgres" else "mariadb")).unwrap())
        if backend == "postgres":
            ask, kill = "SELECT pg_backend_pid()", "SELECT pg_terminate_backend({})"
            alive = "SELECT 1 FROM pg_stat_activity WHERE pid = {}"
        else:
            ask, kill = "SELECT CONNECTION_ID()", "KILL {}"
            alive = "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = {}"

        def session() -> object:
            return _scalar(db, ask)

        victim = session()
        assert isinstance(victim, int)

        def strike() -> None:  # from another session: the runner's own one dies between statements
            raw(admin, kill.format(victim))
            _wait_until_gone(admin, alive.format(victim))

        try:
            yield Fault(db, strike, session=session)
        finally:
            admin.close()


def _root(error: DatabaseError) -> DatabaseError:
    """The first database error in ``error``'s cause chain."""
    while isinstance(error.cause, DatabaseError):
        error = error.cause
    return error


def _runner(db: Database, *, retries: int = 0) -> tuple[TrackedWorkflowRunner, DLQManager]:
    ids, clock = SystemIdSource(), SystemClock()
    dlq = DLQManager(db, ids=ids, clock=clock)
    runner = TrackedWorkflowRunner(
        db, owner="faulted", ids=ids, clock=clock, dead_letters=dlq, transient_retries=retries
    )
    return runner, dlq


@backends
def test_a_database_fault_mid_run_is_retryable_and_resume_finishes_the_run_losing_nothing(
    backend: str, tmp_path: Path
) -> None:
    with _faulted(backend, tmp_path, busy_timeout=0.1) as fault:
        db, calls = fault.db, Counter[str]()
        runner, dlq = _runner(db)
        before = fault.session()
        report = runner.run(_flow(calls, fault.strike), 3)
        fault.settled()

        assert report.state is RunState.FAILED
        error = report.result.failure()
        assert isinstance(error, DatabaseError), error
        assert error.retryable, error
        cause = _root(error)  # (a statement in a transaction that could not begin says so: 25P02)
        assert cause.retryable, cause
        if backend == "sqlite":  # the lock outlived busy_timeout
            assert (type(cause), cause.sqlstate) == (QueryError, "SQLITE_BUSY")
        else:
            assert isinstance(cause, DatabaseConnectionError), cause
            assert fault.session() != before  # reconnected: a new session
        assert report.run_id is not None
        run_id = report.run_id
        row = runner.get(run_id).unwrap()
        assert row.status is RunStatus.RUNNING  # not failed, not dead-lettered: resumable
        # The lease is given up, best effort: on SQLite the lock still blocks the release (the
        # run stays leased to this worker, which may resume it; others wait for the lease).
        assert row.lease_owner in ((None, "faulted") if backend == "sqlite" else (None,))
        assert [s.step_name for s in runner.steps(run_id).unwrap()] == ["a"]
        assert dlq.list(status=None).unwrap() == ()

        resumed = runner.resume(run_id).unwrap()
        assert resumed.result.unwrap() == _expected(3)
        assert [s.restored for s in resumed.steps] == [True, False, False, False]
        assert calls == Counter({"a": 1, "strike": 2, "c": 1, "d": 1})  # at-least-once: strike again
        row = runner.get(run_id).unwrap()
        assert (row.status, row.attempt, row.lease_owner) == (RunStatus.COMPLETED, 2, None)
        steps = runner.steps(run_id).unwrap()
        assert [s.step_name for s in steps] == list(STEPS)
        assert {s.status for s in steps} == {StepStatus.COMPLETED}
        ledger = ExecutionLedger(db, ids=SystemIdSource(), clock=SystemClock())
        events = ledger.events(run_id).unwrap()
        step_events = [(e.event_type, e.payload["step"]) for e in events if e.event_type.startswith("step_")]
        assert step_events == [("step_completed", name) for name in STEPS]
        assert [e.event_type for e in events].count("completed") == 1
        verified = ledger.verify(run_id).unwrap()
        assert verified.ok, verified.tampers
        assert dlq.list(status=None).unwrap() == ()


# SQLite is left out here: its fault (another writer taking the lock) strikes again each time
# the step runs; the busy-timeout test below shows a lock being waited out within the run.
@pytest.mark.parametrize("backend", _KILLS)
def test_a_database_fault_mid_run_is_retried_within_the_run(backend: str, tmp_path: Path) -> None:
    with _faulted(backend, tmp_path, busy_timeout=0.1) as fault:
        calls = Counter[str]()
        runner, dlq = _runner(fault.db, retries=3)
        report = runner.run(_flow(calls, fault.strike), 3)
        fault.settled()
        assert report.state is RunState.COMPLETED, report.result
        assert report.result.unwrap() == _expected(3)
        assert calls == Counter({"a": 1, "strike": 2, "c": 1, "d": 1})  # at-least-once: strike again
        assert report.run_id is not None
        steps = runner.steps(report.run_id).unwrap()
        assert [s.step_name for s in steps] == list(STEPS)
        ledger = ExecutionLedger(fault.db, ids=SystemIdSource(), clock=SystemClock())
        assert ledger.verify(report.run_id).unwrap().ok
        assert dlq.list(status=None).unwrap() == ()


def test_sqlite_checkpoint_under_a_concurrent_writer_waits_for_the_lock_and_the_run_completes(
    tmp_path: Path,
) -> None:
    with _faulted("sqlite", tmp_path, busy_timeout=5.0) as fault:
        calls = Counter[str]()
        runner, dlq = _runner(fault.db)
        started = time.monotonic()
        report = runner.run(_flow(calls, fault.strike), 3)
        took = time.monotonic() - started
        fault.settled()  # the writer's own transaction committed too

        assert report.result.unwrap() == _expected(3)
        assert took >= HOLD_S * 0.8  # the checkpoint waited for the lock...
        assert calls == Counter(dict.fromkeys(STEPS, 1))  # ...and nothing ran again
        assert report.run_id is not None
        steps = runner.steps(report.run_id).unwrap()
        assert [(s.step_name, s.status) for s in steps] == [(name, StepStatus.COMPLETED) for name in STEPS]
        assert runner.get(report.run_id).unwrap().attempt == 1
        verified = ExecutionLedger(fault.db, ids=SystemIdSource(), clock=SystemClock()).verify(report.run_id)
        assert verified.unwrap().ok
        assert dlq.list(status=None).unwrap() == ()
