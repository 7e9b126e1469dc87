"""What the crash tests share: the children's steps and main, starting and killing a child, and
the checks after a resume."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Final, Never

from spine.core.errors import SpineError
from spine.execution.ledger import ExecutionLedger
from spine.execution.status import RunStatus
from spine.orchestration import Task, lift
from spine.orchestration.report import StepStatus
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.storage.connect import connect
from spine.storage.database import Database

ROOT: Final = Path(__file__).resolve().parents[2]
MOD: Final = 1_000_003


def mix(k: int, x: int) -> int:
    """Order-sensitive: a skipped or repeated step changes the result."""
    return (x * 31 + k) % MOD


def stage(name: str, k: int, pause_s: float) -> Task[int, int, Never]:
    """Step ``name``: ``mix(k, x)``, after ``pause_s`` (a pause per step makes kills land mid-run)."""

    def run(x: int) -> int:
        if pause_s:
            time.sleep(pause_s)
        return mix(k, x)

    return lift(run, name=name)


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


def uninterrupted(module: str, db_path: Path, pause_s: float) -> tuple[int, float]:
    """Run a whole child: its result, and how long the run took."""
    proc = spawn(module, db_path, "uninterrupted", pause_s)
    started = time.monotonic()
    out, _ = proc.communicate(timeout=60)
    took = time.monotonic() - started
    assert proc.returncode == 0
    return int(out.split()[-1]), took


def killed(module: str, db_path: Path, key: str, pause_s: float, after_s: float) -> int:
    """Start a child on the run under ``key`` and SIGKILL it ``after_s`` later: its exit code.

    (0: it finished before the kill.)
    """
    proc = spawn(module, db_path, key, pause_s)
    time.sleep(after_s)
    proc.kill()
    proc.wait(timeout=30)
    assert proc.stdout is not None
    proc.stdout.close()
    return proc.returncode


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
