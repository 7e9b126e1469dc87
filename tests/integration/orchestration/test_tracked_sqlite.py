"""The durable runner's finer points, on SQLite: branches, joins, maps, policies, drift, sweeps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from spine.core.errors import ConflictError, NotFoundError, StepError, ValidationError
from spine.execution.retry import RetryPolicy
from spine.execution.status import RunStatus
from spine.orchestration import (
    RunState,
    StepStatus,
    chain,
    conditional,
    lift,
    map_each,
    parallel,
    wait,
    workflow,
)
from spine.storage.database import Database
from tests.integration.orchestration.flows import (
    CALLS,
    CRASH_AT,
    LEASE_S,
    Crash,
    Worker,
    checkpoint_count,
    expected,
    migrated,
    run_to_crash,
    stage,
    stages,
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with migrated("sqlite", tmp_path) as (database, _):
        yield database


class Pair(msgspec.Struct, frozen=True):
    text: str
    number: float


def positive(x: int) -> bool:
    CALLS["positive?"] += 1
    return x > 0


def describe(pair: tuple[str, float]) -> Pair:
    CALLS["describe"] += 1
    return Pair(*pair)


def as_text(x: int) -> str:
    return f"#{x}"


def halve(x: int) -> float:
    return x / 2


def measure(p: Pair) -> float:
    if "measure" in CRASH_AT:
        CRASH_AT.discard("measure")
        raise Crash
    return p.number + len(p.text)


def test_a_resumed_run_takes_the_branch_it_took_before(db: Database) -> None:
    w = Worker(db, "w1")
    flow = workflow("branchy", chain(stage("a", 1), conditional(positive, stage("up", 1), stage("down", -1))))
    run = run_to_crash(w, flow, 1, at="up")
    report = w.runner.resume(run.run_id).unwrap()
    assert report.result.unwrap() == 3 * 2 + 1
    assert CALLS["positive?"] == 1
    assert CALLS["down"] == 0
    statuses = {s.name: s.status for s in report.steps}
    assert statuses["down"] is StepStatus.SKIPPED
    assert checkpoint_count(db, run.run_id) == len(report.steps) - 2  # the skipped arm has none
    w.check_chain(run.run_id)


def test_joined_values_come_back_as_typed_tuples(db: Database) -> None:
    w = Worker(db, "w1")
    flow = workflow(
        "joined",
        chain(stage("a", 0), parallel(lift(as_text), lift(halve)), lift(describe), lift(measure)),
    )
    run = run_to_crash(w, flow, 3, at="measure")
    report = w.runner.resume(run.run_id).unwrap()
    assert report.result.unwrap() == 3.0 + len("#6")
    assert CALLS["describe"] == 1
    assert w.runner.get(run.run_id).unwrap().status is RunStatus.COMPLETED


def test_map_results_and_retried_attempts_are_restored_as_recorded(db: Database) -> None:
    w = Worker(db, "w1")
    tries = [2]

    def flaky(xs: tuple[int, ...]) -> int:
        if tries[0]:
            tries[0] -= 1
            msg = "again"
            raise StepError(msg, retryable=True)
        return sum(xs)

    retry = RetryPolicy(max_attempts=3, base_s=1.0)
    summed = lift(flaky).retry(retry)
    flow = workflow("mapped", chain(map_each(stage("double", 0)), summed, stage("last", 0)))
    run = run_to_crash(w, flow, [1, 2, 3], at="last")
    steps = {s.step_name: s for s in w.runner.steps(run.run_id).unwrap()}
    assert steps["flaky"].attempt == 3
    assert steps["flaky"].idempotency_key == f"{run.run_id}:flaky:3"
    report = w.runner.resume(run.run_id).unwrap()
    assert report.result.unwrap() == 24
    assert CALLS["double"] == 3
    assert report.step("flaky").attempts == 3


def brittle(x: int) -> str:
    CALLS["brittle"] += 1
    msg = f"cannot describe {x}"
    raise ValueError(msg)


def shout(text: str) -> str:
    CALLS["shout"] += 1
    if "shout" in CRASH_AT:
        CRASH_AT.discard("shout")
        raise Crash
    return text + "!"


def test_a_recovered_failure_is_restored_with_its_error(db: Database) -> None:
    w = Worker(db, "w1")
    flow = workflow("lenient", chain(stage("a", 0), lift(brittle).recover("none"), lift(shout)))
    run = run_to_crash(w, flow, 1, at="shout")
    report = w.runner.resume(run.run_id).unwrap()
    assert report.result.unwrap() == "none!"
    assert CALLS["brittle"] == 1
    kept = report.step("brittle")
    assert (kept.status, kept.restored) == (StepStatus.CONTINUED, True)
    assert kept.error is not None
    assert "cannot describe 2" in kept.error


def test_a_workflow_that_changed_shape_is_not_resumed_but_can_be_forked(db: Database) -> None:
    w = Worker(db, "w1")
    run = run_to_crash(w, stages(3, "drift"), 1, at="s2")
    w.runner.register(stages(4, "drift"))
    refused = w.runner.resume(run.run_id).failure()
    assert isinstance(refused, ConflictError)
    assert "fork" in refused.message
    forked = w.runner.fork(run.run_id, "s2").unwrap()
    assert forked.result.unwrap() == expected(4, 1)
    assert CALLS["s1"] == 1
    assert isinstance(w.runner.fork(run.run_id, "nope").failure(), NotFoundError)
    assert forked.run_id is not None
    assert isinstance(w.runner.fork(forked.run_id).failure(), ConflictError)


def test_runs_of_unknown_workflows_or_ids_are_not_found(db: Database) -> None:
    w = Worker(db, "w1")
    report = w.runner.run(stages(1, "known"), 0)
    assert report.run_id is not None
    stranger = Worker(db, "w2")
    assert isinstance(stranger.runner.resume(report.run_id).failure(), NotFoundError)
    assert isinstance(stranger.runner.resume("01NOPE").failure(), NotFoundError)


def test_expired_runs_are_recovered_by_a_sweep(db: Database) -> None:
    w = Worker(db, "crashy")
    run_to_crash(w, stages(3, "orphan"), 1, at="s2")
    rescuer = Worker(db, "rescuer", clock=w.clock)
    rescuer.runner.register(stages(3, "orphan"))
    assert rescuer.runner.recover().unwrap() == ()
    w.clock.advance(LEASE_S)
    (report,) = rescuer.runner.recover().unwrap()
    assert report.result.unwrap() == expected(3, 1)
    run = rescuer.run_of("orphan")
    assert (run.status, run.attempt) == (RunStatus.COMPLETED, 2)


def test_a_timer_keeps_its_deadline_across_processes(db: Database) -> None:
    w = Worker(db, "w1")
    flow = workflow("sleepy", chain(stage("a", 0), wait(int, seconds=100), stage("b", 0)))
    report = w.runner.run(flow, 1)
    assert report.run_id is not None
    deadline = w.clock.now() + timedelta(seconds=100)
    later = Worker(db, "w2", clock=w.clock)
    later.runner.register(flow)
    w.clock.advance(99)
    assert later.runner.resume(report.run_id).unwrap().state is RunState.SUSPENDED
    assert later.runner.get(report.run_id).unwrap().attempt == 1  # not even claimed
    (done,) = later.runner.resume_due(deadline).unwrap()
    assert done.ok
    assert done.step("wait").wake_at == deadline


def test_keys_inputs_and_owners_are_checked(db: Database) -> None:
    w = Worker(db, "w1")
    w.runner.run(stages(1, "first"), 0, key="shared")
    clash = w.runner.run(stages(1, "second"), 0, key="shared")
    assert isinstance(clash.result.failure(), ConflictError)
    unstorable = w.runner.run(workflow("odd", lift(id)), object())
    assert isinstance(unstorable.result.failure(), ValidationError)
    assert unstorable.run_id is None
    assert [r.name for r in w.runner.runs().unwrap()] == ["first"]
    with pytest.raises(ValueError, match="owner"):
        Worker(db, "")


def test_a_crashed_key_is_resumed_by_its_own_worker_at_once(db: Database) -> None:
    w = Worker(db, "me")
    run_to_crash(w, stages(4, "mine"), 1, at="s3", key="job-1")
    report = w.runner.run(stages(4, "mine"), 1, key="job-1")
    assert report.result.unwrap() == expected(4, 1)
    assert (CALLS["s1"], CALLS["s3"]) == (1, 2)
    assert w.runner.runs(status=RunStatus.COMPLETED).unwrap()[0].run_id == report.run_id
    assert w.runner.runs(status=RunStatus.RUNNING).unwrap() == ()


def test_each_step_write_renews_a_lease_past_its_half_life(db: Database) -> None:
    w = Worker(db, "w1")

    def slow(x: int) -> int:
        w.clock.advance(LEASE_S * 0.6)
        return x

    flow = workflow("slow", chain(stage("a", 0), lift(slow), stage("b", 0)))
    run = run_to_crash(w, flow, 1, at="b")
    assert run.lease_expires_at == w.clock.now() + timedelta(seconds=LEASE_S)
