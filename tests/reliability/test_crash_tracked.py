"""SIGKILL a process running a 200-step tracked workflow at random points, then resume it.

After every trial: the result equals an uninterrupted run, every step has exactly one
checkpoint, every step has exactly one ``step_completed`` ledger event, no other step event
exists, and the run's hash chain verifies.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Final

import pytest

from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
from spine.execution.ledger import ExecutionLedger
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate
from tests.reliability.crash_child import OWNER, SEED, STEPS, build, expected
from tests.reliability.crash_support import check_resumed, killed, uninterrupted

TRIALS: Final = 20
PAUSE_S: Final = 0.0002
CHILD: Final = "tests.reliability.crash_child"


def _done_steps(runner: TrackedWorkflowRunner, key: str) -> int:
    """How many steps the run stored under ``key`` had checkpointed (0: it never started)."""
    runs = [r for r in runner.runs(limit=1000).unwrap() if r.idempotency_key == key]
    return len(runner.steps(runs[0].run_id).unwrap()) if runs else 0


@pytest.mark.slow
def test_runs_killed_at_random_points_resume_to_the_uninterrupted_result(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.db"
    db = Database(connect(f"sqlite:///{db_path}").unwrap())
    migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="crash-test").unwrap()
    clean, took = uninterrupted(CHILD, db_path, PAUSE_S)
    assert clean == expected()
    rng = random.Random(20250103)
    runner = TrackedWorkflowRunner(db, owner=OWNER, lease_s=60.0)
    ledger = ExecutionLedger(db, ids=SystemIdSource(), clock=SystemClock())
    flow = build()
    killed_mid_run = 0
    progress: list[int] = []
    for trial in range(TRIALS):
        key = f"trial-{trial}"
        for _ in range(2 if trial % 4 == 3 else 1):  # some runs crash again while resumed
            killed_mid_run += killed(CHILD, db_path, key, PAUSE_S, rng.uniform(0, took)) != 0
        progress.append(_done_steps(runner, key))
        report = runner.run(flow, SEED, key=key)
        assert report.result.unwrap() == clean, f"trial {trial}"
        assert report.run_id is not None
        check_resumed(runner, ledger, report.run_id, STEPS, trial)
    assert killed_mid_run >= TRIALS // 2, "the kills should mostly land while a run is going on"
    assert sum(0 < n < STEPS for n in progress) >= TRIALS // 4, f"steps done at the kills: {progress}"
    assert ledger.verify().unwrap().ok
    db.close()
