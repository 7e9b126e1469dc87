"""Dispatcher cost: submit + run of a no-op task inline, runs and ledger on SQLite, per task.

Each task is five committed transactions (run + submitted event, queued, started, completed,
each a CAS status update plus its hash-chained ledger event). The floor printed alongside is
the same number of raw sqlite3 INSERT+COMMITs, measured in the same run.

Run: ``.venv/bin/python bench/dispatcher.py [N]``
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import msgspec
from returns.result import Result, Success

from spine.core.errors import SpineError
from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
from spine.execution.dispatcher import Dispatcher
from spine.execution.dlq import DLQManager
from spine.execution.executors import InlineExecutor
from spine.execution.ledger import ExecutionLedger
from spine.execution.random_source import SystemRandom
from spine.execution.registry import HandlerRegistry
from spine.execution.spec import WorkSpec
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate


class NoParams(msgspec.Struct, frozen=True):
    pass


def noop(_: NoParams) -> Result[None, SpineError]:
    return Success(None)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    registry = HandlerRegistry()
    registry.register("noop", NoParams, noop)
    clock, ids, sleeper = SystemClock(), SystemIdSource(), SystemSleeper()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(connect(f"sqlite:///{tmp}/bench.db").unwrap())
        migrate(db, clock=clock, sleeper=sleeper, owner="bench").unwrap()
        dispatcher = Dispatcher(
            db,
            registry,
            events=ExecutionLedger(db, ids=ids, clock=clock),
            dead_letters=DLQManager(db, ids=ids, clock=clock),
            ids=ids,
            clock=clock,
            sleeper=sleeper,
            random=SystemRandom(),
            executor=InlineExecutor(registry),
        )
        spec = WorkSpec(name="noop")
        start = time.perf_counter()
        for _ in range(n):
            dispatcher.submit(spec).unwrap()
        per_task = (time.perf_counter() - start) / n

        raw = sqlite3.connect(Path(tmp) / "raw.db", isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        start = time.perf_counter()
        for i in range(n * 5):
            raw.execute("INSERT INTO t (id, v) VALUES (?, ?)", (i, "x"))
        floor = (time.perf_counter() - start) / n
        raw.close()
        db.close()
    print(f"{n} no-op tasks, inline, SQLite (WAL, synchronous=NORMAL)")
    print(f"spine submit+run per task     {per_task * 1e6:9.0f} µs")
    print(f"5 raw INSERT+COMMIT (floor)   {floor * 1e6:9.0f} µs   ratio {per_task / floor:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
