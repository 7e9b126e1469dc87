"""Durable runs on every live database: checkpoints, resume, keys, leases, timers, dead letters."""

from __future__ import annotations

import threading
from datetime import timedelta

from returns.result import Failure, Result, Success

from spine.core.errors import ConflictError, SpineError, StepError
from spine.execution.dlq import DeadLetterStatus
from spine.execution.status import RunStatus
from spine.orchestration import RunState, StepStatus, chain, lift, step, wait, workflow
from spine.orchestration.leases import claim
from tests.integration.orchestration.flows import (
    CALLS,
    HOOKS,
    LEASE_S,
    Live,
    Worker,
    checkpoint_count,
    expected,
    run_to_crash,
    stage,
    stages,
)
from tests.integration.storage.isolated import reopen


def test_every_step_is_checkpointed_once_with_its_ledger_event(live: Live) -> None:
    db, _, _ = live
    w = Worker(db, "w1")
    report = w.runner.run(stages(5, "once"), 1)
    assert report.result.unwrap() == expected(5, 1)
    assert report.run_id is not None
    run_id = report.run_id
    steps = w.runner.steps(run_id).unwrap()
    assert [s.step_name for s in steps] == ["s1", "s2", "s3", "s4", "s5"]
    assert steps[0].idempotency_key == f"{run_id}:s1:1"
    assert {s.status for s in steps} == {StepStatus.COMPLETED}
    assert w.step_events(run_id) == [("step_completed", f"s{k}") for k in range(1, 6)]
    run = w.runner.get(run_id).unwrap()
    assert (run.status, run.lease_owner, run.attempt) == (RunStatus.COMPLETED, None, 1)
    w.check_chain(run_id)


def test_a_crashed_run_resumes_from_its_first_unfinished_step(live: Live) -> None:
    db, url, backend = live
    first = Worker(db, "first")
    run = run_to_crash(first, stages(5, "crashy"), 1, at="s3")
    assert (run.status, run.lease_owner) == (RunStatus.RUNNING, "first")
    assert checkpoint_count(db, run.run_id) == 2
    other = reopen(backend, url)
    try:
        clock = first.clock
        second = Worker(other, "second", clock=clock)
        second.runner.register(stages(5, "crashy"))
        busy = second.runner.resume(run.run_id)
        assert isinstance(busy.failure(), ConflictError)
        clock.advance(LEASE_S)
        report = second.runner.resume(run.run_id).unwrap()
        assert report.result.unwrap() == expected(5, 1)
        assert [s.restored for s in report.steps] == [True, True, False, False, False]
        assert (CALLS["s1"], CALLS["s2"], CALLS["s3"], CALLS["s5"]) == (1, 1, 2, 1)
        assert checkpoint_count(other, run.run_id) == 5
        assert [name for _, name in second.step_events(run.run_id)] == ["s1", "s2", "s3", "s4", "s5"]
        assert second.runner.get(run.run_id).unwrap().attempt == 2
        second.check_chain(run.run_id)
    finally:
        other.close()


def test_reinvoking_a_finished_key_hands_back_the_stored_result(live: Live) -> None:
    db, _, _ = live
    w = Worker(db, "w1")
    first = w.runner.run(stages(3, "keyed"), 2, key="invoice-7")
    CALLS.clear()
    again = w.runner.run(stages(3, "keyed"), 2, key="invoice-7")
    assert again.result.unwrap() == first.result.unwrap() == expected(3, 2)
    assert again.run_id == first.run_id
    assert sum(CALLS.values()) == 0
    assert [s.restored for s in again.steps] == [True, True, True]
    assert w.run_of("keyed").run_id == first.run_id


def test_a_worker_that_lost_its_lease_is_fenced_off(live: Live) -> None:
    db, url, backend = live
    slow = Worker(db, "slow")
    other = reopen(backend, url)
    try:
        fast = Worker(other, "fast", clock=slow.clock)
        fast.runner.register(stages(4, "fenced"))
        taken: list[Result[object, SpineError]] = []

        def take_over() -> None:  # while "slow" is inside s2, its lease runs out
            slow.clock.advance(LEASE_S + 1)
            run = fast.run_of("fenced")
            taken.append(fast.runner.resume(run.run_id))

        HOOKS["s2"] = take_over
        report = slow.runner.run(stages(4, "fenced"), 3)
        assert isinstance(report.result.failure(), ConflictError)
        assert "lost the lease" in str(report.result.failure())
        assert taken[0].unwrap().result.unwrap() == expected(4, 3)  # type: ignore[attr-defined]
        run_id = report.run_id
        assert run_id is not None
        run = fast.runner.get(run_id).unwrap()
        assert (run.status, run.attempt) == (RunStatus.COMPLETED, 2)
        assert checkpoint_count(other, run_id) == 4
        assert [name for _, name in fast.step_events(run_id)] == ["s1", "s2", "s3", "s4"]
        fast.check_chain(run_id)
    finally:
        other.close()


def test_of_two_workers_claiming_one_run_exactly_one_wins(live: Live) -> None:
    db, url, backend = live
    crashed = Worker(db, "gone")
    row = run_to_crash(crashed, stages(3, "raced"), 1, at="s2")
    other = reopen(backend, url)
    try:
        a, b = Worker(db, "a", clock=crashed.clock), Worker(other, "b", clock=crashed.clock)
        codec = crashed.runner._workflows["raced"].codec
        won = claim(a.runner._store, row, codec, takeover=True)
        lost = claim(b.runner._store, row, codec, takeover=True)
        assert won.unwrap().token == 2
        assert isinstance(lost.failure(), ConflictError)
        assert a.runner.get(row.run_id).unwrap().lease_owner == "a"
    finally:
        other.close()


def test_a_wait_suspends_the_run_until_resume_due(live: Live) -> None:
    db, _, _ = live
    w = Worker(db, "w1")
    flow = workflow("timer", chain(stage("a", 1), wait(int, seconds=60), stage("b", 2)))
    report = w.runner.run(flow, 1)
    assert report.state is RunState.SUSPENDED
    assert report.run_id is not None
    run = w.runner.get(report.run_id).unwrap()
    assert (run.status, run.wake_at, run.lease_owner) == (
        RunStatus.WAITING,
        w.clock.now() + timedelta(seconds=60),
        None,
    )
    assert w.runner.resume_due().unwrap() == ()
    assert w.runner.resume(report.run_id).unwrap().state is RunState.SUSPENDED
    w.clock.advance(60)
    (done,) = w.runner.resume_due().unwrap()
    assert done.result.unwrap() == (1 * 2 + 1) * 2 + 2
    assert (CALLS["a"], CALLS["b"]) == (1, 1)
    assert checkpoint_count(db, report.run_id) == 3
    events = [t for t, _ in w.step_events(report.run_id)]
    assert events == ["step_completed", "step_waiting", "step_completed", "step_completed"]
    w.check_chain(report.run_id)


@step
def refuse(x: int) -> Result[int, SpineError]:
    CALLS["refuse"] += 1
    return Failure(StepError(f"cannot take {x}"))


def test_a_failed_run_is_dead_lettered_and_forked_from_its_failed_step(live: Live) -> None:
    db, _, _ = live
    w = Worker(db, "w1")
    flow = workflow("fragile", chain(stage("a", 1), refuse, stage("b", 2)))
    report = w.runner.run(flow, 5)
    assert isinstance(report.result.failure(), StepError)
    assert report.run_id is not None
    run = w.runner.get(report.run_id).unwrap()
    assert run.status is RunStatus.DEAD_LETTERED
    assert run.error is not None
    assert run.error.context["step"] == "refuse"
    (letter,) = [d for d in w.dlq.list().unwrap() if d.run_id == report.run_id]
    assert (letter.run_id, letter.status, letter.spec.params["input"]) == (
        report.run_id,
        DeadLetterStatus.OPEN,
        5,
    )
    stored = w.runner.resume(report.run_id).unwrap()
    assert isinstance(stored.result.failure(), StepError)
    assert CALLS["a"] == 1

    def accept(x: int) -> int:
        return x * 10

    fixed = workflow("fragile", chain(stage("a", 1), lift(accept, name="refuse"), stage("b", 2)))
    w.runner.register(fixed)
    forked = w.runner.fork(report.run_id).unwrap()
    assert forked.result.unwrap() == (5 * 2 + 1) * 10 * 2 + 2
    assert CALLS["a"] == 1
    assert forked.run_id is not None
    child = w.runner.get(forked.run_id).unwrap()
    assert (child.parent_run_id, child.status) == (report.run_id, RunStatus.COMPLETED)
    assert [s.restored for s in forked.steps] == [True, False, False]
    assert checkpoint_count(db, forked.run_id) == 3
    w.check_chain(forked.run_id)
    w.check_chain(report.run_id)


def test_without_a_dead_letter_queue_resume_reruns_the_failed_step(live: Live) -> None:
    db, _, _ = live
    w = Worker(db, "w1", dlq=False)
    flaky_left = [1]

    def flaky(x: int) -> int:
        CALLS["flaky"] += 1
        if flaky_left[0]:
            flaky_left[0] -= 1
            msg = "not yet"
            raise RuntimeError(msg)
        return x + 100

    flow = workflow("retryable", chain(stage("a", 1), lift(flaky), stage("b", 2)))
    report = w.runner.run(flow, 0)
    assert report.run_id is not None
    assert w.runner.get(report.run_id).unwrap().status is RunStatus.FAILED
    again = w.runner.resume(report.run_id).unwrap()
    assert again.result.unwrap() == (1 + 100) * 2 + 2
    assert (CALLS["a"], CALLS["flaky"], CALLS["b"]) == (1, 2, 1)
    steps = w.runner.steps(report.run_id).unwrap()
    assert [(s.step_name, s.status) for s in steps] == [
        ("a", StepStatus.COMPLETED),
        ("flaky", StepStatus.COMPLETED),
        ("b", StepStatus.COMPLETED),
    ]
    assert [t for t, _ in w.step_events(report.run_id)] == [
        "step_completed",
        "step_failed",
        "step_completed",
        "step_completed",
    ]
    w.check_chain(report.run_id)


def test_workers_racing_to_resume_one_run_run_it_once(live: Live) -> None:
    db, url, backend = live
    crashed = Worker(db, "gone")
    run = run_to_crash(crashed, stages(4, "stampede"), 1, at="s2")
    crashed.clock.advance(LEASE_S)
    outcomes: list[Result[object, SpineError]] = []
    ran: list[str] = []
    ready = threading.Barrier(4)

    def contend(name: str) -> None:
        conn = reopen(backend, url)
        try:
            w = Worker(conn, name, clock=crashed.clock)
            w.runner.register(stages(4, "stampede"))
            ready.wait()
            done = w.runner.resume(run.run_id)
            outcomes.append(done)
            if isinstance(done, Success) and not all(s.restored for s in done.unwrap().steps):
                ran.append(name)  # (a stored report's steps are read from the worker's connection)
        finally:
            conn.close()

    threads = [threading.Thread(target=contend, args=(f"racer{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 4
    reports = [o.unwrap() for o in outcomes if isinstance(o, Success)]
    assert all(isinstance(o.failure(), ConflictError) for o in outcomes if not isinstance(o, Success))
    assert len(ran) == 1, outcomes  # the others kept off, or found the run already finished
    assert {r.result.unwrap() for r in reports} == {expected(4, 1)}
    assert CALLS["s2"] == 2
    assert CALLS["s4"] == 1
    assert checkpoint_count(db, run.run_id) == 4
    crashed.check_chain(run.run_id)
