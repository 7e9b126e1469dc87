"""Durable workflows: TrackedWorkflowRunner on SQLite, as ratios against floors measured in the same run.

- per step: a 1,000-step chain of ``x + 1``, SQLite file in WAL mode with synchronous=NORMAL
  and spine's defaults for a file it creates (2 KiB pages, ``wal_autocheckpoint`` 10,000
  pages), one transaction per step: the step's ledger event, which carries its checkpoint,
  and the run row's ledger anchor. Six timed runs: the best is a run no WAL checkpoint fell
  into, the mean pays the checkpoints' share (one every ~2,700 steps; its fsync is what
  varies most on a shared machine). Floors, with the same pragmas: one raw sqlite3
  INSERT+COMMIT, and raw sqlite3 making the same two writes per transaction into the same
  schema (what any durable step here must write), also best and mean of six runs.
- DBOS (a dev dependency, ``dbos``): the same chain as a DBOS workflow of DBOS steps on a
  SQLite system database, in child processes of its own (DBOS 3.4 needs SQLite >= 3.42:
  where Python's is older, ``pysqlite3-binary`` stands in for ``sqlite3`` there): per step,
  and crash -> first new step (a child SIGKILLs itself in step 500; a new child's
  ``DBOS.launch()`` recovers the workflow, timed from launch until step 500 runs again).
- crash -> first new step: a run dies (a ``BaseException`` out of step 500, its connection
  dropped); a fresh connection and runner resume it. Timed from opening the connection until
  step 501 starts: the runner (codec for 1,000 steps), reading and decoding 500 checkpoints,
  claiming the run. The workflow itself is defined beforehand, as a module import would.
- re-invoking a finished run's key: ``run(workflow, value, key=...)`` hands back the stored result.

Run: ``.venv/bin/python bench/orchestration_durable.py [STEPS]``
"""

from __future__ import annotations

import contextlib
import importlib.util
import sqlite3
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Never

from spine.core.errors import SpineError
from spine.core.system import SystemClock, SystemSleeper
from spine.orchestration import Task, chain_all, lift, workflow
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.url import UrlOptions

GOALS = {"step": 50.0, "resume": 100_000.0, "reinvoke": 200.0}  # µs
_DEFAULTS = UrlOptions()
PRAGMAS = (
    f"PRAGMA page_size={_DEFAULTS.page_size}",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA wal_autocheckpoint={_DEFAULTS.wal_autocheckpoint}",
)
"""What ``open_sqlite`` sets for a file it creates (by default), for the raw floors."""
RUNS = 6
"""Timed runs of the chain: the best shows a step without a WAL checkpoint, the mean pays its share."""


class Crash(BaseException):
    """The process dies here."""


MARKS: dict[str, float] = {}
CRASH_AT: set[int] = set()


def chain_of(n: int) -> Workflow[int, int, SpineError]:
    def make(k: int) -> Task[int, int, Never]:
        def inc(x: int) -> int:
            if k in CRASH_AT:
                CRASH_AT.discard(k)
                raise Crash
            if k == n // 2 and "resumed" not in MARKS:
                MARKS["resumed"] = time.perf_counter()
            return x + 1

        return lift(inc, name=f"inc{k}")

    return workflow("chain", chain_all([make(k) for k in range(n)]))


def open_db(path: Path) -> Database:
    return Database(connect(f"sqlite:///{path}").unwrap())


def per_step(db: Database, flow: Workflow[int, int, SpineError], n: int) -> tuple[float, float]:
    """µs per step: the best of ``RUNS`` runs of the chain, and their mean."""
    runner = TrackedWorkflowRunner(db, owner="bench")
    runner.run(flow, 0)  # warm: statements compiled, codec built
    took = []
    for _ in range(RUNS):
        start = time.perf_counter()
        assert runner.run(flow, 0).result.unwrap() == n
        took.append(time.perf_counter() - start)
    return min(took) / n * 1e6, sum(took) / len(took) / n * 1e6


def raw_floor(path: Path, n: int) -> float:
    raw = sqlite3.connect(path, autocommit=True)
    for pragma in PRAGMAS:
        raw.execute(pragma)
    raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
    start = time.perf_counter()
    for i in range(n):
        raw.execute("INSERT INTO t (id, v) VALUES (?, ?)", (i, b"\x01"))
    took = time.perf_counter() - start
    raw.close()
    return took / n * 1e6


def raw_same_rows(path: Path, n: int) -> tuple[float, float]:
    """Raw sqlite3, one transaction per step, the two writes a durable step makes: best, mean."""
    db = open_db(path)
    migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="bench").unwrap()
    db.close()
    raw = sqlite3.connect(path, autocommit=True)
    for pragma in PRAGMAS:
        raw.execute(pragma)
    at = "2025-01-03 00:00:00.000000+00:00"
    cur = raw.cursor()
    took = []
    for run in range(RUNS):
        run_id = f"r{run}"
        raw.execute(
            "INSERT INTO spine_runs (run_id, kind, name, status, idempotency_key, spec, created_at,"
            " updated_at) VALUES (?, 'workflow', 'chain', 'running', ?, '{}', ?, ?)",
            (run_id, run_id, at, at),
        )
        start = time.perf_counter()
        for s in range(1, n + 1):
            cur.execute("BEGIN IMMEDIATE")
            cur.execute(
                "INSERT INTO spine_ledger_events (run_id, seq, event_id, event_type, occurred_at, payload,"
                " prev_hash, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    s,
                    f"{run}{s:025d}",
                    "step_completed",
                    at,
                    f'{{"attempt":1,"index":{s},"status":"completed","step":"inc{s}","took_us":1}}',
                    f"{s - 1:064x}",
                    f"{s:064x}",
                    b"\x01",
                ),
            )
            cur.execute(
                "UPDATE spine_runs SET updated_at = ?, last_seq = ?, last_hash = ?"
                " WHERE run_id = ? AND attempt = ?",
                (at, s, f"{s:064x}", run_id, 0),
            )
            cur.execute("COMMIT")
        took.append(time.perf_counter() - start)
    raw.close()
    return min(took) / n * 1e6, sum(took) / len(took) / n * 1e6


def crash_to_first_step(path: Path, flow: Workflow[int, int, SpineError], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        db = open_db(path)
        CRASH_AT.add(n // 2)
        with contextlib.suppress(Crash):
            TrackedWorkflowRunner(db, owner="crashy").run(flow, 0)
        db.close()
        (run,) = [r for r in _runs(path) if r[1] == "running"]
        MARKS.clear()
        defined = chain_of(n)  # a new process defines its workflows at import
        start = time.perf_counter()
        fresh = open_db(path)
        runner = TrackedWorkflowRunner(fresh, owner="crashy", workflows=[defined])
        report = runner.resume(run[0]).unwrap()
        assert report.result.unwrap() == n
        best = min(best, MARKS["resumed"] - start)
        fresh.close()
    return best * 1e6


def _runs(path: Path) -> list[tuple[str, str]]:
    raw = sqlite3.connect(path)
    rows = raw.execute("SELECT run_id, status FROM spine_runs").fetchall()
    raw.close()
    return rows


def reinvoke(db: Database, flow: Workflow[int, int, SpineError], n: int) -> float:
    runner = TrackedWorkflowRunner(db, owner="bench")
    assert runner.run(flow, 0, key="once").result.unwrap() == n

    def again() -> object:
        return runner.run(flow, 0, key="once").result

    return min(timeit.repeat(again, number=200, repeat=5)) / 200 * 1e6


_DBOS_CHILD = """
import os, signal, sys, time
path, n, shim, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
if shim == "pysqlite3":
    import pysqlite3
    sys.modules["sqlite3"] = pysqlite3
from dbos import DBOS
DBOS(config={"name": "bench", "system_database_url": f"sqlite:///{path}", "run_admin_server": False})
marks = {}
@DBOS.step()
def inc(x: int) -> int:
    if x == n // 2 and phase != "steps":
        if phase == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        marks.setdefault("first", time.perf_counter())
    return x + 1
@DBOS.workflow()
def chain(m: int) -> int:
    x = 0
    for _ in range(m):
        x = inc(x)
    return x
start = time.perf_counter()
DBOS.launch()
if phase == "steps":
    chain(n)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        assert chain(n) == n
        best = min(best, time.perf_counter() - start)
    print(best / n * 1e6)
elif phase == "crash":
    chain(n)
else:  # launching recovers the crashed workflow in the background: time its first new step
    while "first" not in marks and time.perf_counter() - start < 120:
        time.sleep(0.0005)
    print((marks["first"] - start) * 1e6)
DBOS.destroy()
"""


def dbos(tmp: Path, n: int) -> tuple[float, float] | str:
    """DBOS on SQLite: its cost per step (best of three runs of the chain, after one to warm up),
    and crash -> first new step (a child SIGKILLs itself in step n/2; a new one launches)."""
    if importlib.util.find_spec("dbos") is None:
        return "not installed"
    shim = "pysqlite3" if sqlite3.sqlite_version_info < (3, 42) else "-"
    if shim != "-" and importlib.util.find_spec("pysqlite3") is None:
        return f"needs SQLite >= 3.42 (here {sqlite3.sqlite_version}) or pysqlite3-binary"
    found: list[float] = []
    for name, phase in (("steps", "steps"), ("crash", "crash"), ("crash", "recover")):
        child = [sys.executable, "-c", _DBOS_CHILD, str(tmp / f"dbos-{name}.sqlite"), str(n), shim, phase]
        done = subprocess.run(child, capture_output=True, text=True, timeout=600, check=False)
        if phase == "crash":
            continue  # it killed itself
        if done.returncode != 0:
            return f"failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
        found.append(float(done.stdout.strip().splitlines()[-1]))
    return found[0], found[1]


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    flow = chain_of(n)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db = open_db(tmp / "spine.db")
        migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="bench").unwrap()
        ours = per_step(db, flow, n)
        floor = raw_floor(tmp / "raw.db", n)
        same = raw_same_rows(tmp / "same.db", n)
        peer = dbos(tmp, n)
        resume = crash_to_first_step(tmp / "spine.db", flow, n)
        again = reinvoke(db, flow, n)
        db.close()
    best, mean = ours
    print(f"{n}-step chain of x+1, TrackedWorkflowRunner, SQLite file (WAL, synchronous=NORMAL, 2 KiB pages)")
    print(f"{'measure':<46}{'µs':>10}{'ratio':>9}{'goal µs':>10}")
    print(f"{f'tracked step, best of {RUNS} runs':<46}{best:>10.1f}{'':>9}{GOALS['step']:>10.0f}")
    print(
        f"{f'tracked step, mean of {RUNS} (checkpoints paid)':<46}{mean:>10.1f}{'':>9}{GOALS['step']:>10.0f}"
    )
    print(f"{'  vs raw INSERT+COMMIT (floor; the mean)':<46}{floor:>10.1f}{mean / floor:>8.1f}x")
    print(f"{'  vs raw sqlite3, same 2 writes/tx: best':<46}{same[0]:>10.1f}{best / same[0]:>8.2f}x")
    print(f"{'  vs raw sqlite3, same 2 writes/tx: mean':<46}{same[1]:>10.1f}{mean / same[1]:>8.2f}x")
    if isinstance(peer, tuple):
        label = "  vs DBOS step (same chain, SQLite; the mean)"
        print(f"{label:<46}{peer[0]:>10.1f}{mean / peer[0]:>8.3f}x  (spine {peer[0] / mean:.0f}x faster)")
    else:
        print(f"{'  vs DBOS step':<46}{peer:>10}")
    print(f"{'crash -> first new step (500 restored)':<46}{resume:>10.0f}{'':>9}{GOALS['resume']:>10.0f}")
    if isinstance(peer, tuple):
        label = "  vs DBOS: launch -> first new step"
        print(f"{label:<46}{peer[1]:>10.0f}{resume / peer[1]:>8.3f}x  (spine {peer[1] / resume:.0f}x faster)")
    print(f"{'re-invoke a finished run by key':<46}{again:>10.1f}{'':>9}{GOALS['reinvoke']:>10.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
