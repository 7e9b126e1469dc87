"""The dispatcher on SQLite: checks first, idempotent submits, retries, dead letters, replay."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from spine.core.errors import ConflictError, NotFoundError, ValidationError
from spine.execution.dispatcher import Dispatcher
from spine.execution.dlq import DeadLetterStatus, DLQManager
from spine.execution.executor import Executor
from spine.execution.executors import InlineExecutor, ProcessExecutor, ThreadExecutor
from spine.execution.jitter import JitterMode
from spine.execution.ledger import ExecutionLedger
from spine.execution.retry import RetryPolicy
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.testing import FakeClock, FakeSleeper, ScriptedRandom, SequentialIdSource
from tests.integration.storage.isolated import isolated
from tests.unit.execution import handlers


class Harness:
    def types(self, run_id: str) -> list[str]:
        return [event.event_type for event in self.ledger.events(run_id).unwrap()]

    def __init__(self, db: Database, executor: Executor | None = None) -> None:
        self.clock = FakeClock()
        self.sleeper = FakeSleeper(self.clock)
        ids = SequentialIdSource()
        self.ledger = ExecutionLedger(db, ids=ids, clock=self.clock)
        self.dlq = DLQManager(db, ids=ids, clock=self.clock)
        self.dispatcher = Dispatcher(
            db,
            handlers.registry,
            events=self.ledger,
            dead_letters=self.dlq,
            ids=ids,
            clock=self.clock,
            sleeper=self.sleeper,
            random=ScriptedRandom([0.5]),
            executor=executor or InlineExecutor(handlers.registry),
        )


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgres", marks=pytest.mark.integration),
        pytest.param("mysql", marks=pytest.mark.integration),
    ]
)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Runs, events and dead letters on each live database."""
    with isolated(request.param, tmp_path) as (database, _):
        clock = FakeClock()
        migrate(database, clock=clock, sleeper=FakeSleeper(clock), owner="t").unwrap()
        handlers.CALLS.clear()
        yield database


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    with isolated("sqlite", tmp_path) as (database, _):
        clock = FakeClock()
        migrate(database, clock=clock, sleeper=FakeSleeper(clock), owner="t").unwrap()
        handlers.CALLS.clear()
        yield database


def test_a_submitted_spec_runs_to_completion_with_its_events(db: Database) -> None:
    h = Harness(db)
    run_id = h.dispatcher.submit(WorkSpec(name="add", params={"a": 2, "b": 3})).unwrap()
    run = h.dispatcher.get(run_id).unwrap()
    assert run.status is RunStatus.COMPLETED
    assert run.result == b"5"
    assert run.attempt == 1
    assert h.types(run_id) == ["submitted", "queued", "started", "completed"]
    assert h.ledger.verify(run_id).unwrap().ok


def test_unknown_handlers_and_bad_params_are_refused_before_anything_runs(db: Database) -> None:
    h = Harness(db)
    assert isinstance(h.dispatcher.submit(WorkSpec(name="nope")).failure(), NotFoundError)
    bad = h.dispatcher.submit(WorkSpec(name="add", params={"a": 1, "b": "two"})).failure()
    assert isinstance(bad, ValidationError)
    assert bad.field == "b"
    assert h.dispatcher.runs().unwrap() == ()
    assert handlers.CALLS == {}


def test_params_that_cannot_be_stored_and_text_that_is_not_unicode_are_refused(db: Database) -> None:
    h = Harness(db)
    stray = h.dispatcher.submit(WorkSpec(name="add", params={"a": 1, "b": 2, "extra": object()})).failure()
    assert isinstance(stray, ValidationError)
    assert stray.field == "spec"
    for spec in (
        WorkSpec(name="add", params={"a": 1, "b": 2}, idempotency_key="k\udcff"),
        WorkSpec(name="add", params={"a": 1, "b": 2}, correlation_id="\ud800"),
        WorkSpec(name="add", params={"a": 1, "b": 2, "note": "\udcff"}),
    ):
        assert isinstance(h.dispatcher.submit(spec).failure(), ValidationError)
    assert isinstance(h.dispatcher.get("\udcff").failure(), ValidationError)
    assert h.dispatcher.runs().unwrap() == ()
    assert handlers.CALLS == {}


def test_the_same_idempotency_key_returns_the_same_run(db: Database) -> None:
    h = Harness(db)
    spec = WorkSpec(name="add", params={"a": 1, "b": 1}, idempotency_key="once")
    first = h.dispatcher.submit(spec).unwrap()
    assert h.dispatcher.submit(spec).unwrap() == first
    assert handlers.CALLS["add"] == 1
    assert len(h.dispatcher.runs().unwrap()) == 1


def test_retryable_failures_are_retried_with_backoff_until_success(db: Database) -> None:
    h = Harness(db)
    policy = RetryPolicy(max_attempts=3, base_s=1.0, factor=2.0, jitter=JitterMode.NONE)
    spec = WorkSpec(name="flaky", params={"key": "k", "failures": 2}, retry=policy)
    run_id = h.dispatcher.submit(spec).unwrap()
    run = h.dispatcher.get(run_id).unwrap()
    assert (run.status, run.attempt, run.result) == (RunStatus.COMPLETED, 3, b'"ok after 3"')
    assert h.sleeper.sleeps == [1.0, 2.0]
    assert h.types(run_id).count("retrying") == 2


def test_exhausted_retries_are_dead_lettered_with_the_last_error(db: Database) -> None:
    h = Harness(db)
    run_id = h.dispatcher.submit(
        WorkSpec(
            name="flaky", params={"key": "k", "failures": 9}, retry=RetryPolicy(max_attempts=2, base_s=0.01)
        )
    ).unwrap()
    assert h.dispatcher.get(run_id).unwrap().status is RunStatus.DEAD_LETTERED
    (letter,) = h.dlq.list().unwrap()
    assert (letter.run_id, letter.attempts, letter.error.message) == (run_id, 2, "try 2 failed")
    assert handlers.CALLS["k"] == 2


@pytest.mark.parametrize("name", ["reject", "explode"])
def test_non_retryable_failures_are_dead_lettered_at_once(db: Database, name: str) -> None:
    h = Harness(db)
    run_id = h.dispatcher.submit(WorkSpec(name=name, retry=RetryPolicy(max_attempts=5))).unwrap()
    run = h.dispatcher.get(run_id).unwrap()
    assert run.status is RunStatus.DEAD_LETTERED
    assert run.attempt == 1
    assert run.error is not None
    assert run.error.retryable is False


def test_replay_resubmits_through_the_dispatcher_and_links_the_new_run(db: Database) -> None:
    h = Harness(db)
    old = h.dispatcher.submit(WorkSpec(name="flaky", params={"key": "r", "failures": 1})).unwrap()
    (letter,) = h.dlq.list().unwrap()
    new = h.dlq.replay(letter.dead_letter_id, h.dispatcher).unwrap()  # the flake has passed
    assert new != old
    assert h.dispatcher.get(new).unwrap().status is RunStatus.COMPLETED
    assert h.dispatcher.get(new).unwrap().parent_run_id == old
    replayed = h.dlq.get(letter.dead_letter_id).unwrap()
    assert (replayed.status, replayed.replayed_run_id, replayed.replay_count) == (
        DeadLetterStatus.REPLAYED,
        new,
        1,
    )
    assert isinstance(h.dlq.replay(letter.dead_letter_id, h.dispatcher).failure(), ConflictError)
    again = h.dlq.replay(letter.dead_letter_id, h.dispatcher, force=True).unwrap()
    assert again not in (old, new)


def test_resolve_and_purge(db: Database) -> None:
    h = Harness(db)
    h.dispatcher.submit(WorkSpec(name="reject")).unwrap()
    (letter,) = h.dlq.list().unwrap()
    h.dlq.resolve(letter.dead_letter_id, note="fixed upstream").unwrap()
    assert h.dlq.list().unwrap() == ()
    h.clock.advance(10)
    assert h.dlq.purge(before=h.clock.now()).unwrap() == 1
    assert h.dlq.list(status=None).unwrap() == ()


def test_a_timed_out_attempt_fails_with_a_timeout_error(db: Database) -> None:
    h = Harness(db)
    run_id = h.dispatcher.submit(WorkSpec(name="nap", params={"seconds": 0.5}, timeout_s=0.05)).unwrap()
    run = h.dispatcher.get(run_id).unwrap()
    assert run.status is RunStatus.DEAD_LETTERED
    assert run.error is not None
    assert run.error.code == "transient.timeout"


def test_cancel_while_running_discards_the_late_outcome(db: Database) -> None:
    executor = ThreadExecutor(handlers.registry, max_workers=2)
    h = Harness(db, executor)
    handlers.GATE.clear()
    run_id = h.dispatcher.submit(WorkSpec(name="gated")).unwrap()
    assert h.dispatcher.get(run_id).unwrap().status is RunStatus.RUNNING
    assert h.dispatcher.cancel(run_id).unwrap().status is RunStatus.CANCELLED
    handlers.GATE.set()
    executor.shutdown(wait=True)
    h.dispatcher.pump(0.1)
    assert h.dispatcher.get(run_id).unwrap().status is RunStatus.CANCELLED
    assert isinstance(h.dispatcher.cancel(run_id).failure(), ConflictError)


def test_thread_executor_runs_many_specs(db: Database) -> None:
    executor = ThreadExecutor(handlers.registry, max_workers=4)
    h = Harness(db, executor)
    ids = [h.dispatcher.submit(WorkSpec(name="add", params={"a": i, "b": i})).unwrap() for i in range(20)]
    results = [h.dispatcher.wait(run_id, 10.0).unwrap() for run_id in ids]
    executor.shutdown()
    assert [r.result for r in results] == [str(2 * i).encode() for i in range(20)]


def test_process_executor_resolves_handlers_by_name_in_the_worker(sqlite_db: Database) -> None:
    executor = ProcessExecutor("tests.unit.execution.handlers:registry", max_workers=1)
    h = Harness(sqlite_db, executor)
    try:
        run_id = h.dispatcher.submit(WorkSpec(name="add", params={"a": 20, "b": 22})).unwrap()
        deadline = time.monotonic() + 60
        while (
            h.dispatcher.get(run_id).unwrap().status is not RunStatus.COMPLETED
            and time.monotonic() < deadline
        ):
            h.dispatcher.pump(0.2)
        assert h.dispatcher.get(run_id).unwrap().result == b"42"
    finally:
        executor.shutdown()
