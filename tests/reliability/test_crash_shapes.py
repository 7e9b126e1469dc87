"""SIGKILL workers running a tracked workflow with parallel branches and a map, then resume.

With ``test_crash_tracked.py`` (20 trials, 25 kills, a 200-step chain) this makes 50 trials
and 65 kills. After each: the result equals an uninterrupted run, every step of the plan has
exactly one checkpoint, no step event is duplicated, and the ledger verifies.
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
from tests.reliability.crash_shapes_child import OWNER, SEED, build, expected
from tests.reliability.crash_support import check_resumed, killed, uninterrupted

TRIALS: Final = 30
PAUSE_S: Final = 0.003
CHILD: Final = "tests.reliability.crash_shapes_child"


@pytest.mark.slow
def test_fanned_out_runs_killed_at_random_points_resume_exactly(tmp_path: Path) -> None:
    db_path = tmp_path / "shapes.db"
    db = Database(connect(f"sqlite:///{db_path}").unwrap())
    migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="crash-shapes").unwrap()
    clean, took = uninterrupted(CHILD, db_path, PAUSE_S)
    assert clean == expected()

    flow = build()
    steps = len(flow.plan.nodes)
    runner = TrackedWorkflowRunner(db, owner=OWNER, lease_s=60.0)
    ledger = ExecutionLedger(db, ids=SystemIdSource(), clock=SystemClock())
    rng = random.Random(20251125)
    kills = mid_run = 0
    for trial in range(TRIALS):
        key = f"shape-{trial}"
        for _ in range(2 if trial % 3 == 2 else 1):
            kills += 1
            mid_run += killed(CHILD, db_path, key, PAUSE_S, rng.uniform(0, took)) != 0
        report = runner.run(flow, SEED, key=key)
        assert report.result.unwrap() == expected(), f"trial {trial}"
        assert report.run_id is not None
        check_resumed(runner, ledger, report.run_id, steps, trial)
    assert kills == 40
    assert mid_run >= TRIALS // 2, "the kills should mostly land while a run is going on"
    assert ledger.verify().unwrap().ok
    db.close()
