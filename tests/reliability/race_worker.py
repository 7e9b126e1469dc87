"""The race test's worker process, and the workflow and databases the race and fault tests share.

``python -m tests.reliability.race_worker URL OWNER GO_PATH`` builds its own
:class:`TrackedWorkflowRunner` (owner ``OWNER``) on its own connection to ``URL``, prints
``ready``, waits until the file ``GO_PATH`` exists (the start barrier: every worker starts
sweeping at the same moment), then calls ``resume_due()`` until nothing is due, and prints
its :class:`Summary` as one JSON line. ``spine resume --due`` makes the same call (once);
the Python API is used here so the workflow can write its side effects through the
worker's own connection.

The workflow, ``prepare -> wait -> charge -> notify``: the parent starts every run, so each
suspends at the timer; ``charge`` and ``notify`` record a row in ``side_effects`` through
the worker's own connection, so a step that ran twice, or on two workers, shows there.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import SpineError
from spine.core.system import SystemClock, SystemSleeper
from spine.orchestration import RunState, Task, chain, lift, step, wait, workflow
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.sql import sql

NAME: Final = "race"
WAIT_S: Final = 60.0
LEASE_S: Final = 30.0
EFFECTS: Final = ("charge", "notify")
"""The steps after the timer that record a side effect, in order."""
SIDE_EFFECTS_DDL: Final = (
    "CREATE TABLE side_effects (item BIGINT NOT NULL, step VARCHAR(40) NOT NULL, worker VARCHAR(60) NOT NULL)"
)
"""No unique key on purpose: a duplicate side effect must be countable, not refused."""
_RECORD: Final = sql("INSERT INTO side_effects (item, step, worker) VALUES (:item, :step, :worker)")
_MAX_SWEEPS: Final = 200


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    """What one worker did, as it prints it."""

    owner: str
    sweeps: int
    """``resume_due()`` calls, the last one finding nothing due."""
    reports: int
    """Runs reported: continued by this worker, or found finished by another."""
    failures: list[str]
    elapsed_s: float


def _prepare(x: int) -> int:
    return x * 10 + 1


def effect(db: Database, worker: str, name: str, k: int, pause_s: float = 0.0) -> Task[int, int, SpineError]:
    """A step ``x -> 10x + k`` that first inserts ``(x, name, worker)`` into ``side_effects``."""

    def run(x: int) -> Result[int, SpineError]:
        if pause_s:
            time.sleep(pause_s)
        done = db.execute(_RECORD, {"item": x, "step": name, "worker": worker})
        if not isinstance(done, Success):
            return Failure(done.failure())
        return Success(x * 10 + k)

    task: Task[int, int, SpineError] = step(name=name)(run)
    return task


def build(db: Database, worker: str, pause_s: float = 0.0) -> Workflow[int, int, SpineError]:
    """The race workflow; its side effects go through ``db`` under ``worker``'s name."""
    return workflow(
        NAME,
        chain(
            lift(_prepare, name="prepare"),
            wait(int, seconds=WAIT_S),
            effect(db, worker, EFFECTS[0], 2, pause_s),
            effect(db, worker, EFFECTS[1], 3),
        ),
    )


def inputs_of(i: int) -> dict[str, int]:
    """What each side-effect step of run ``i`` receives (its ``side_effects.item``).

    >>> inputs_of(7)
    {'charge': 71, 'notify': 712}
    """
    return {EFFECTS[0]: i * 10 + 1, EFFECTS[1]: i * 100 + 12}


def expected(i: int) -> int:
    """The result of run ``i``.

    >>> expected(7)
    7123
    """
    return i * 1000 + 123


@contextmanager
def private_database(backend: str, tmp_path: Path) -> Generator[tuple[Database, str]]:
    """A migrated private database with ``side_effects``, as ``(db, url)``, dropped afterwards.

    ``url`` alone reaches it (see ``reachable``): from another process, and after the pool
    reconnects.
    """
    from tests.integration.storage.isolated import raw, reachable  # noqa: PLC0415 - pytest stays out of the child

    with reachable(backend, tmp_path) as (db, url):
        migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="setup").unwrap()
        raw(db, SIDE_EFFECTS_DDL)
        yield db, url


def sweep(runner: TrackedWorkflowRunner) -> tuple[int, int, list[str]]:
    """``resume_due()`` until nothing is due: (sweeps, reports, failures as text)."""
    sweeps = reports = 0
    failures: list[str] = []
    while sweeps < _MAX_SWEEPS:
        sweeps += 1
        swept = runner.resume_due()
        if not isinstance(swept, Success):
            failures.append(f"sweep: {swept.failure()!r}")
            continue
        found = swept.unwrap()
        if not found:
            break
        reports += len(found)
        failures += [f"{r.run_id}: {r.result.failure()!r}" for r in found if r.state is RunState.FAILED]
    return sweeps, reports, failures


def main(argv: list[str]) -> int:
    """Wait for the start signal, then continue every due run this worker can claim."""
    url, owner, go = argv
    db = Database(connect(url).unwrap())
    runner = TrackedWorkflowRunner(db, owner=owner, workflows=[build(db, owner)], lease_s=LEASE_S)
    signal = Path(go)
    print("ready", flush=True)
    give_up = time.monotonic() + 60
    while not signal.exists():
        if time.monotonic() > give_up:
            return 2
        time.sleep(0.001)
    started = time.monotonic()
    sweeps, reports, failures = sweep(runner)
    elapsed = time.monotonic() - started
    summary = Summary(owner=owner, sweeps=sweeps, reports=reports, failures=failures, elapsed_s=elapsed)
    print(msgspec.json.encode(summary).decode(), flush=True)
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
