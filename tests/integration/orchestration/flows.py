"""Workflows, counters and harnesses shared by the durable runner's integration tests."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Never

import pytest

from spine.core.errors import SpineError
from spine.execution.dlq import DLQManager
from spine.execution.ledger import ExecutionLedger
from spine.orchestration import Task, chain_all, lift, workflow
from spine.orchestration.checkpoints import TrackedRun
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.storage.database import Database
from spine.storage.sql import sql
from spine.testing import FakeClock, FakeSleeper, SequentialIdSource
from tests.integration.storage.isolated import migrated as migrated_database

type Live = tuple[Database, str, str]
"""A live database, its URL, and its backend's name."""

CALLS: Counter[str] = Counter()
"""How often each step ran (reset by every harness)."""
CRASH_AT: set[str] = set()
"""Steps that crash their process (raise ``Crash``) the next time they start."""
HOOKS: dict[str, Callable[[], None]] = {}
"""Steps that call a function (once) the next time they start."""
LEASE_S: Final = 10.0
_FRESH = itertools.count()


class Crash(BaseException):
    """The process died here: nothing after it runs, nothing catches it."""


def stage(name: str, k: int) -> Task[int, int, Never]:
    """A step ``x -> 2x + k`` that counts its calls and honours ``CRASH_AT`` and ``HOOKS``."""

    def run(x: int) -> int:
        CALLS[name] += 1
        if name in CRASH_AT:
            CRASH_AT.discard(name)
            raise Crash(name)
        hook = HOOKS.pop(name, None)
        if hook is not None:
            hook()
        return x * 2 + k

    return lift(run, name=name)


def stages(n: int, name: str = "line") -> Workflow[int, int, SpineError]:
    """``n`` stages ``s1 .. sn`` in a row."""
    return workflow(name, chain_all([stage(f"s{k}", k) for k in range(1, n + 1)]))


def expected(n: int, x: int) -> int:
    """What ``stages(n)`` makes of ``x``."""
    for k in range(1, n + 1):
        x = x * 2 + k
    return x


class Worker:
    """A runner with its own fake clock, ids and dead-letter queue, on one connection."""

    def __init__(self, db: Database, owner: str, *, clock: FakeClock | None = None, dlq: bool = True) -> None:
        self.db = db
        self.clock = clock or FakeClock()
        self.ids = SequentialIdSource(start_ms=1_800_000_000_000 + next(_FRESH) * 60_000)
        self.dlq = DLQManager(db, ids=self.ids, clock=self.clock)
        self.ledger = ExecutionLedger(db, ids=self.ids, clock=self.clock)
        self.runner = TrackedWorkflowRunner(
            db,
            owner=owner,
            lease_s=LEASE_S,
            clock=self.clock,
            sleeper=FakeSleeper(self.clock),
            ids=self.ids,
            random=lambda: 0.5,
            dead_letters=self.dlq if dlq else None,
        )

    def run_of(self, workflow_name: str) -> TrackedRun:
        """The one run of ``workflow_name``."""
        (run,) = [r for r in self.runner.runs().unwrap() if r.name == workflow_name]
        return run

    def step_events(self, run_id: str) -> list[tuple[str, str]]:
        """``(event type, step)`` of each step event of the run, in order."""
        return [
            (e.event_type, str(e.payload["step"]))
            for e in self.ledger.events(run_id).unwrap()
            if e.event_type.startswith("step_")
        ]

    def check_chain(self, run_id: str) -> None:
        """The run's ledger is intact and its anchor current."""
        report = self.ledger.verify(run_id).unwrap()
        assert report.ok, report.tampers


def run_to_crash[I, O, E: SpineError](
    worker: Worker, flow: Workflow[I, O, E], value: I, *, at: str, key: str | None = None
) -> TrackedRun:
    """Run ``flow`` on ``value`` until its process dies as step ``at`` starts: the run it left."""
    CRASH_AT.add(at)
    with pytest.raises(Crash):
        worker.runner.run(flow, value, key=key)
    return worker.run_of(flow.name)


def reset() -> None:
    """Forget every call, crash and hook."""
    CALLS.clear()
    CRASH_AT.clear()
    HOOKS.clear()


@contextmanager
def migrated(backend: str, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """A private, migrated database; every counter reset."""
    reset()
    with migrated_database(backend, tmp_path) as (db, url):
        yield db, url


_STEP_EVENTS = sql(
    "SELECT payload FROM spine_ledger_events WHERE run_id = :run_id AND event_type LIKE 'step%'"
)


def checkpoint_count(db: Database, run_id: str) -> int:
    """How many steps of the run have a checkpoint (a step event; one written again counts once)."""
    rows = db.execute(_STEP_EVENTS, {"run_id": run_id}).unwrap().rows
    return len({json.loads(str(payload))["step"] for (payload,) in rows})
