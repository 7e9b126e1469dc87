"""``spine demo``: the main job — a weekly market-data pipeline, durable, on embedded SQLite.

1. Four weeks of synthetic bars (shipped with the package) go through the tracked market
   workflow: ingest → quality gate → bars → weekly statistics → upsert.
2. One week is deliberately bad: its quality gate fails, an anomaly is recorded and the run
   is dead-lettered.
3. One week runs in a second process that is SIGKILLed mid-run; this process takes the run
   over once the worker's lease has expired and finishes it, restoring the finished steps.
4. The bad input is "fixed" and the dead letter replayed (a fork of the failed run).
5. A summary: runs, steps, timings, anomalies, stored rows, and the ledger verified.

Everything lives in one SQLite file (``.spine-demo/demo.db`` unless ``SPINE_DEMO_DIR``
says otherwise), rebuilt on each run, so re-running the demo is safe; inspect it
afterwards with ``spine runs list --db ...``.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from returns.result import Success

from spine.anomalies import AnomalyCategory, Severity
from spine.cli.demo_setup import Demo, open_demo
from spine.cli.demo_worker import LEASE_S
from spine.cli.market import WeekRequest
from spine.orchestration import WorkflowReport
from spine.quality import QualityGateError

__all__ = ["run_demo"]

type Say = Callable[[str], None]

WEEKS = (dt.date(2025, 1, 10), dt.date(2025, 1, 17), dt.date(2025, 1, 24), dt.date(2025, 1, 31))
CRASH_WEEK = WEEKS[3]
STEPS = 5


def run_demo(out: TextIO, directory: Path | None = None) -> int:
    """Run the whole demo, printing as it goes; 0 when every part of the story held."""
    started = time.perf_counter()
    where = directory or Path(os.environ.get("SPINE_DEMO_DIR", ".spine-demo"))
    where.mkdir(parents=True, exist_ok=True)
    db_file = where / "demo.db"
    for stale in where.glob("demo.db*"):
        stale.unlink()
    url = f"sqlite:///{db_file}"

    def say(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    demo = open_demo(url, owner="demo")
    try:
        say(f"spine demo: a weekly market pipeline, durable on SQLite ({db_file})\n")
        say("1. four weeks of bars: ingest -> quality gate -> bars -> weekly stats -> upsert")
        for week in WEEKS[:3]:
            _run_week(demo, week, say)
        say(f"\n2. week {CRASH_WEEK} runs in a worker process, which is killed mid-run")
        resumed = _crash_and_resume(demo, url, say)
        say("\n3. the bad week's input is fixed and its dead letter replayed")
        replayed = _replay(demo, say)
        say("\n4. summary")
        ok = _summary(demo, say, started) and resumed and replayed
    finally:
        demo.db.close()
    say(f"\ninspect it: spine runs list --db {url}")
    return 0 if ok else 1


def _run_week(demo: Demo, week: dt.date, say: Say) -> WorkflowReport[int]:
    t0 = time.perf_counter()
    report = demo.runner.run(demo.workflow, WeekRequest(week=week), key=f"market:{week}")
    ms = (time.perf_counter() - t0) * 1000
    if report.ok:
        say(f"   week {week}: completed, {report.result.unwrap()} symbols stored ({ms:.0f} ms)")
        return report
    error = report.result.failure()
    say(f"   week {week}: FAILED at step {error.context.get('step')!r} ({ms:.0f} ms)")
    if isinstance(error, QualityGateError):
        failures = [f"{r.check}: {r.message}" for r in error.failures]
        for line in failures:
            say(f"      - {line}")
        demo.anomalies.record(
            "market",
            "quality",
            severity=Severity.ERROR,
            category=AnomalyCategory.QUALITY_CHECK,
            message=f"quality gate failed for week {week}",
            partition_key=str(week),
            details={"failures": list(failures)},
            run_id=report.run_id,
        ).unwrap()
        say("      -> anomaly recorded, run dead-lettered")
    return report


def _run_id_of(demo: Demo, key: str) -> str | None:
    runs = demo.runner.runs(limit=1000).unwrap()
    return next((r.run_id for r in runs if r.idempotency_key == key), None)


def _crash_and_resume(demo: Demo, url: str, say: Say) -> bool:
    key = f"market:{CRASH_WEEK}"
    worker = subprocess.Popen(  # noqa: S603 - our own module, our own interpreter
        [sys.executable, "-m", "spine.cli.demo_worker", url, str(CRASH_WEEK)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    run_id: str | None = None
    done = 0
    while time.monotonic() < deadline and worker.poll() is None:
        run_id = run_id or _run_id_of(demo, key)
        done = len(demo.runner.steps(run_id).unwrap()) if run_id else 0
        if done >= 2:
            break
        time.sleep(0.02)
    if worker.poll() is not None or run_id is None:
        err = worker.stderr.read().decode() if worker.stderr else ""
        say(f"   the worker ended before it could be killed ({worker.returncode}): {err.strip()[-300:]}")
        return False
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    say(f"   worker pid {worker.pid} SIGKILLed after {done} of {STEPS} steps were checkpointed")
    say(f"   waiting for its {LEASE_S:.0f} s lease to expire, then taking the run over")
    time.sleep(LEASE_S + 0.1)
    t0 = time.perf_counter()
    taken = demo.runner.recover()
    ms = (time.perf_counter() - t0) * 1000
    reports = [r for r in (taken.unwrap() if isinstance(taken, Success) else ()) if r.run_id == run_id]
    if not reports or not reports[0].ok:
        say(f"   resume failed: {reports[0].result if reports else taken}")
        return False
    report = reports[0]
    restored = [s.name for s in report.steps if s.restored]
    ran = [s.name for s in report.steps if not s.restored]
    say(f"   resumed here in {ms:.0f} ms: restored {restored} from checkpoints, ran {ran}")
    say(f"   week {CRASH_WEEK}: completed, {report.result.unwrap()} symbols stored")
    return True


def _replay(demo: Demo, say: Say) -> bool:
    letters = demo.dead_letters.list().unwrap()
    if not letters:
        say("   no dead letters (unexpected: week 2025-01-24 should have failed)")
        return False
    fixed = demo.with_source(
        demo.source.fixed("CRUX", "2025-01-22", close="92.10").fixed("FLUX", "2025-01-23", volume="41000")
    )
    ok = True
    for letter in letters:
        forked = fixed.runner.fork(letter.run_id, "ingest")
        if not isinstance(forked, Success) or not forked.unwrap().ok:
            say(f"   replay of {letter.dead_letter_id} failed: {forked}")
            ok = False
            continue
        report = forked.unwrap()
        demo.dead_letters.resolve(letter.dead_letter_id, note=f"replayed as run {report.run_id}").unwrap()
        for anomaly in demo.anomalies.unresolved(domain="market").unwrap():
            if anomaly.run_id == letter.run_id:
                demo.anomalies.resolve(anomaly.anomaly_id, note="source corrected and replayed").unwrap()
        say(f"   dead letter {letter.dead_letter_id} (run {letter.run_id}) replayed as run {report.run_id}")
        say(f"   -> completed, {report.result.unwrap()} symbols stored; letter and anomaly resolved")
    return ok


def _summary(demo: Demo, say: Say, started: float) -> bool:
    runs = demo.runner.runs(limit=1000).unwrap()
    say(f"   {'run':<28}{'status':<15}{'steps':>6}{'took':>9}  note")
    for run in runs:
        steps = demo.runner.steps(run.run_id).unwrap()
        took = (run.finished_at - run.created_at).total_seconds() * 1000 if run.finished_at else 0.0
        note = f"fork of {run.parent_run_id}" if run.parent_run_id else run.idempotency_key
        say(f"   {run.run_id:<28}{run.status.value:<15}{len(steps):>6}{took:>7.0f}ms  {note}")
    open_anomalies = demo.anomalies.unresolved().unwrap()
    counts = demo.anomalies.count_by_severity(dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).unwrap()
    stored = demo.stats.count().unwrap()
    verified = demo.ledger.verify().unwrap()
    say(f"   anomalies: {sum(counts.values())} recorded, {len(open_anomalies)} unresolved")
    say(f"   market_weekly: {stored} rows ({len(WEEKS)} weeks x 8 symbols)")
    say(
        f"   ledger: {verified.events} events in {verified.runs} runs, "
        + ("verified, nothing altered" if verified.ok else f"{len(verified.tampers)} PROBLEMS")
    )
    say(f"   done in {time.perf_counter() - started:.1f} s")
    return verified.ok and stored == len(WEEKS) * 8 and not open_anomalies
