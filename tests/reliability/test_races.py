"""Races: 8 worker processes continue the same 100 due runs at the same moment.

The parent starts 100 runs of ``prepare -> wait -> charge -> notify`` (each suspends at the
timer, whose deadline the workers' real clock has long passed), then 8 processes, each its
own runner and connection, sweep ``resume_due()`` until nothing is due, released together
by a start barrier (see ``race_worker``). Afterwards: every run completed exactly once with
the right result (one successful claim: ``attempt`` 2, one ``resumed`` event), every step
after the timer left exactly one side-effect row, written by the worker that claimed the
run, every step has exactly one checkpoint, the ledger events are exactly those of one
uninterrupted turn per worker, and every run's hash chain verifies.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Final

import msgspec

from spine.core.system import SystemIdSource
from spine.execution.ledger import ExecutionLedger
from spine.execution.status import RunStatus
from spine.orchestration import RunState, StepStatus
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.storage.database import Database
from spine.storage.sql import sql
from spine.testing import FakeClock, FakeSleeper
from tests.integration.storage.isolated import backends
from tests.reliability.race_worker import (
    EFFECTS,
    LEASE_S,
    Summary,
    build,
    expected,
    inputs_of,
    private_database,
)

WORKERS: Final = 8
RUNS: Final = 100
ROOT: Final = Path(__file__).resolve().parents[2]
_EFFECTS = sql("SELECT item, step, worker FROM side_effects")
_COMPLETED_STEPS = sql("SELECT run_id, payload FROM spine_ledger_events WHERE event_type = 'step_completed'")
# One turn before the timer (the starter's), one after it (the winning worker's).
_EVENTS: Final = [
    ("started", None),
    ("step_completed", "prepare"),
    ("step_waiting", "wait"),
    ("waiting", "wait"),
    ("resumed", None),
    ("step_completed", "wait"),
    ("step_completed", "charge"),
    ("step_completed", "notify"),
    ("completed", None),
]


def _start_runs(db: Database) -> dict[str, int]:
    """Start every run; each suspends at its timer. Run id -> input."""
    clock = FakeClock()  # 2025-01-03: the timers are long due by the workers' real clock
    starter = TrackedWorkflowRunner(
        db, owner="starter", lease_s=LEASE_S, clock=clock, sleeper=FakeSleeper(clock), ids=SystemIdSource()
    )
    flow = build(db, "starter")
    runs: dict[str, int] = {}
    for i in range(RUNS):
        report = starter.run(flow, i)
        assert report.state is RunState.SUSPENDED, report.result
        assert report.run_id is not None
        runs[report.run_id] = i
    return runs


def _race(url: str, tmp_path: Path) -> list[Summary]:
    """Start the workers, release them together, and collect their summaries."""
    go = tmp_path / "go"
    procs: list[subprocess.Popen[str]] = []
    try:
        for n in range(WORKERS):
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.reliability.race_worker", url, f"worker-{n}", str(go)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            procs.append(proc)
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line == "ready", proc.communicate(timeout=10)
        go.touch()
        summaries: list[Summary] = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            summaries.append(msgspec.json.decode(out, type=Summary))
        return summaries
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@backends
def test_eight_workers_sweeping_the_same_due_runs_run_each_step_exactly_once(
    backend: str, tmp_path: Path
) -> None:
    with private_database(backend, tmp_path) as (db, url):
        runs = _start_runs(db)
        started = time.monotonic()
        summaries = _race(url, tmp_path)
        took = time.monotonic() - started
        assert [s.failures for s in summaries] == [[]] * WORKERS

        effects = db.execute(_EFFECTS).unwrap().rows
        by_effect = Counter((item, step) for item, step, _ in effects)
        wanted = {(inputs_of(i)[e], e) for i in runs.values() for e in EFFECTS}
        assert set(by_effect) == wanted
        assert [k for k, n in by_effect.items() if n != 1] == []  # no step ran twice, anywhere
        worker_of = {(item, step): str(worker) for item, step, worker in effects}
        drivers = {
            i: {worker_of[inputs_of(i)[e], e] for e in EFFECTS} for i in runs.values()
        }  # both steps of a run ran on one worker
        assert [i for i, ws in drivers.items() if len(ws) != 1] == []
        assert len({w for ws in drivers.values() for w in ws}) >= 2, "no race happened: one worker did all"

        completed = db.execute(_COMPLETED_STEPS).unwrap().rows
        checkpoints = Counter((run_id, json.loads(str(payload))["step"]) for run_id, payload in completed)
        steps = ["prepare", "wait", *EFFECTS]
        assert checkpoints == Counter({(run_id, name): 1 for run_id in runs for name in steps})

        reader = TrackedWorkflowRunner(db, owner="reader", workflows=[build(db, "reader")])
        ledger = ExecutionLedger(db, ids=SystemIdSource(), clock=FakeClock())
        for run_id, i in runs.items():
            row = reader.get(run_id).unwrap()
            assert (row.status, row.attempt, row.lease_owner) == (RunStatus.COMPLETED, 2, None)
            report = reader.resume(run_id).unwrap()  # a finished run: its stored result, nothing runs
            assert report.result.unwrap() == expected(i)
            assert {s.status for s in reader.steps(run_id).unwrap()} == {StepStatus.COMPLETED}
            events = ledger.events(run_id).unwrap()
            assert [(e.event_type, e.payload.get("step")) for e in events] == _EVENTS
            (resumed,) = [e for e in events if e.event_type == "resumed"]
            assert {resumed.payload["owner"]} == drivers[i]
            verified = ledger.verify(run_id).unwrap()
            assert verified.ok, verified.tampers
        share = sorted(Counter(w for ws in drivers.values() for w in ws).values())
        sweeping = max(s.elapsed_s for s in summaries)
        seen = sum(s.reports for s in summaries)
        print(
            f"\n{backend}: {took:.2f} s, sweeping {sweeping:.2f} s; runs per worker {share}; {seen} reports"
        )
