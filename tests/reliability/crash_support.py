"""What the crash tests share: the child's main, starting a child, and the checks after a resume."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Final

from spine.core.errors import SpineError
from spine.execution.ledger import ExecutionLedger
from spine.execution.status import RunStatus
from spine.orchestration.report import StepStatus
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.storage.connect import connect
from spine.storage.database import Database

ROOT: Final = Path(__file__).resolve().parents[2]


def child_main(
    build: Callable[[float], Workflow[int, int, SpineError]], seed: int, owner: str, argv: list[str]
) -> int:
    """``DB_PATH KEY PAUSE_S``: print ``ready``, run (or resume) the run under KEY, print ``done RESULT``."""
    db_path, key, pause = argv
    db = Database(connect(f"sqlite:///{db_path}").unwrap())
    runner = TrackedWorkflowRunner(db, owner=owner, lease_s=60.0)
    flow = build(float(pause))
    print("ready", flush=True)
    report = runner.run(flow, seed, key=key)
    print("done", report.result.unwrap(), flush=True)
    return 0


def spawn(module: str, db_path: Path, key: str, pause_s: float) -> subprocess.Popen[str]:
    """Start ``python -m module`` on the run under ``key``; returns once it said ``ready``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, str(db_path), key, str(pause_s)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def check_resumed(
    runner: TrackedWorkflowRunner, ledger: ExecutionLedger, run_id: str, steps: int, trial: int
) -> None:
    """After a resume: completed, one checkpoint and one step event per step, the chain intact."""
    assert runner.get(run_id).unwrap().status is RunStatus.COMPLETED
    checkpoints = runner.steps(run_id).unwrap()
    names = Counter(c.step_name for c in checkpoints)
    assert len(names) == steps, f"trial {trial}: {steps - len(names)} steps without a checkpoint"
    assert set(names.values()) == {1}
    assert {c.status for c in checkpoints} == {StepStatus.COMPLETED}
    events = ledger.events(run_id).unwrap()
    assert len({e.seq for e in events}) == len(events)
    step_events = Counter(
        (e.event_type, e.payload["step"]) for e in events if e.event_type.startswith("step_")
    )
    assert set(step_events.values()) == {1}, f"trial {trial}: a step event was written twice"
    assert {t for t, _ in step_events} == {"step_completed"}
    assert len(step_events) == steps
    assert ledger.verify(run_id).unwrap().ok
