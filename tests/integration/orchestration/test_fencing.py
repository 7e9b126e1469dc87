"""Fencing on every live database.

A step's transaction writes its ledger event, its checkpoint and the run row's anchor (fenced
by the lease token); whoever takes a run over appends its ``resumed`` event right after the
chain's head, so a stale holder's next step collides on the events' primary key. Pinned
here: a holder whose clock stands still is fenced off at its next step; a claim that read
the head before a step was written fails; the row's anchor is exact while the run is held
and after.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from returns.result import Result

from spine.core.errors import ConflictError, SpineError
from spine.execution.status import RunStatus
from spine.orchestration.checkpoints import Checkpoint
from spine.orchestration.engine import Outcome
from spine.orchestration.leases import claim
from spine.orchestration.report import StepStatus
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.turn_end import complete
from spine.testing import FakeClock
from tests.integration.orchestration.flows import (
    CALLS,
    HOOKS,
    LEASE_S,
    Live,
    Worker,
    checkpoint_count,
    expected,
    run_to_crash,
    stages,
)
from tests.integration.storage.isolated import reopen


def test_a_holder_not_due_to_renew_is_fenced_off_at_its_next_step(live: Live) -> None:
    db, url, backend = live
    slow = Worker(db, "slow")  # its clock stands still: it renews nothing, only the key can fence it
    other = reopen(backend, url)
    try:
        later = FakeClock(slow.clock.now() + timedelta(seconds=LEASE_S + 1))
        fast = Worker(other, "fast", clock=later)
        fast.runner.register(stages(4, "keyfence"))
        taken: list[Result[object, SpineError]] = []

        def take_over() -> None:  # while "slow" is inside s2, "fast" sees its lease expired
            taken.append(fast.runner.resume(fast.run_of("keyfence").run_id))

        HOOKS["s2"] = take_over
        report = slow.runner.run(stages(4, "keyfence"), 3)
        assert isinstance(report.result.failure(), ConflictError)
        assert "lost the lease" in str(report.result.failure())
        assert taken[0].unwrap().result.unwrap() == expected(4, 3)  # type: ignore[attr-defined]
        run_id = report.run_id
        assert run_id is not None
        run = fast.runner.get(run_id).unwrap()
        assert (run.status, run.attempt, run.lease_owner) == (RunStatus.COMPLETED, 2, None)
        assert checkpoint_count(other, run_id) == 4
        assert [name for _, name in fast.step_events(run_id)] == ["s1", "s2", "s3", "s4"]
        assert CALLS["s2"] == 2  # ran by both; only the new holder's outcome was written
        fast.check_chain(run_id)
    finally:
        other.close()


def test_a_claim_that_read_the_head_before_a_step_was_written_fails(live: Live) -> None:
    db, url, backend = live
    crashed = Worker(db, "gone")
    row = run_to_crash(crashed, stages(3, "missed"), 1, at="s2")
    other = reopen(backend, url)
    try:
        a, b = Worker(db, "a", clock=crashed.clock), Worker(other, "b", clock=crashed.clock)
        codec = crashed.runner._workflows["missed"].codec
        log = claim(a.runner._store, row, codec, takeover=True).unwrap()
        held = a.runner.get(row.run_id).unwrap()
        head = b.runner._store.head(row.run_id).unwrap()
        assert head == (held.last_seq, held.last_hash)  # a claim leaves the anchor exact
        assert log.journal(1, Outcome(StepStatus.COMPLETED, expected(2, 1), attempts=1)) is None
        assert a.runner.get(row.run_id).unwrap().last_seq == held.last_seq + 1  # the step moved the anchor
        missed = claim(b.runner._store, held, codec, takeover=True, head=head)
        assert isinstance(missed.failure(), ConflictError)
        assert log.journal(2, Outcome(StepStatus.COMPLETED, expected(3, 1), attempts=1)) is None
        assert complete(log) is None
        done = a.runner.get(row.run_id).unwrap()
        assert (done.status, done.attempt, done.last_seq) == (RunStatus.COMPLETED, 2, head[0] + 3)
        assert [name for _, name in a.step_events(row.run_id)] == ["s1", "s2", "s3"]
        a.check_chain(row.run_id)
    finally:
        other.close()


def test_a_step_written_while_a_taker_reads_the_checkpoints_makes_its_claim_fail(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, url, backend = live
    crashed = Worker(db, "gone")
    row = run_to_crash(crashed, stages(3, "between"), 1, at="s2")
    other = reopen(backend, url)
    try:
        a = Worker(db, "a", clock=crashed.clock)
        codec = crashed.runner._workflows["between"].codec
        log = claim(a.runner._store, row, codec, takeover=True).unwrap()
        b = Worker(other, "b", clock=FakeClock(crashed.clock.now() + timedelta(seconds=LEASE_S + 1)))
        b.runner.register(stages(3, "between"))
        read = TrackedWorkflowRunner.steps
        wrote: list[SpineError | None] = []

        def steps_then_a_step(
            runner: TrackedWorkflowRunner, run_id: str, /
        ) -> Result[tuple[Checkpoint, ...], SpineError]:
            found = read(runner, run_id)
            if runner is b.runner and not wrote:  # "a" writes s2 just after "b" read the checkpoints
                wrote.append(log.journal(1, Outcome(StepStatus.COMPLETED, expected(2, 1), attempts=1)))
            return found

        monkeypatch.setattr(TrackedWorkflowRunner, "steps", steps_then_a_step)
        taken = b.runner.resume(row.run_id)
        assert wrote == [None]
        assert isinstance(taken.failure(), ConflictError)  # else "b" would run s2 again on stale reads
        monkeypatch.undo()
        assert log.journal(2, Outcome(StepStatus.COMPLETED, expected(3, 1), attempts=1)) is None
        assert complete(log) is None
        assert a.runner.get(row.run_id).unwrap().attempt == 2
        assert checkpoint_count(db, row.run_id) == 3
        a.check_chain(row.run_id)
    finally:
        other.close()


def test_the_anchor_is_exact_while_the_run_is_held_and_when_its_turn_ends(live: Live) -> None:
    db, _, _ = live
    w = Worker(db, "w1")
    seen: list[tuple[int, int]] = []

    def look() -> None:
        run = w.run_of("lagging")
        head = w.runner._store.head(run.run_id).unwrap()
        seen.append((run.last_seq, head[0]))

    HOOKS["s3"] = look
    report = w.runner.run(stages(3, "lagging"), 1)
    assert report.result.unwrap() == expected(3, 1)
    assert seen == [(3, 3)]  # every step moves the anchor with its event: verify is exact mid-run
    assert w.ledger.verify(report.run_id or "").unwrap().ok
    assert report.run_id is not None
    run = w.runner.get(report.run_id).unwrap()
    events = w.ledger.events(report.run_id).unwrap()
    assert (run.last_seq, run.last_hash) == (len(events), events[-1].hash) == (5, events[-1].hash)
    w.check_chain(report.run_id)
