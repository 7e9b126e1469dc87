"""The demo's composition root: one database, its interpreters, the runner and the workflow."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from spine.anomalies import AnomalyRecorder
from spine.cli.market import MARKET_WEEKLY, CsvBarSource, WeeklyStat, WeekRequest, market_workflow
from spine.core.errors import SpineError
from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
from spine.execution.dlq import DLQManager
from spine.execution.ledger import ExecutionLedger
from spine.orchestration import Workflow
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.quality import QualityRunner
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.repository import BaseRepository
from spine.storage.sql.ddl import create_table

__all__ = ["Demo", "open_demo"]


@dataclass(frozen=True, slots=True)
class Demo:
    """Everything the demo works with, built once."""

    db: Database
    runner: TrackedWorkflowRunner
    workflow: Workflow[WeekRequest, int, SpineError]
    source: CsvBarSource
    stats: BaseRepository[WeeklyStat]
    quality: QualityRunner
    anomalies: AnomalyRecorder
    dead_letters: DLQManager
    ledger: ExecutionLedger
    pause: Callable[[], None] | None

    def with_source(self, source: CsvBarSource) -> Demo:
        """The same demo reading ``source`` (the workflow is rebuilt and registered again)."""
        flow = market_workflow(source, self.stats, recorder=self.quality, pause=self.pause)
        self.runner.register(flow)
        return dataclasses.replace(self, workflow=flow, source=source)


def open_demo(
    url: str, *, owner: str, lease_s: float = 30.0, pause: Callable[[], None] | None = None
) -> Demo:
    """Open (and migrate) the demo database and build its runner."""
    clock, ids, sleeper = SystemClock(), SystemIdSource(), SystemSleeper()
    db = Database(connect(url).unwrap())
    migrate(db, clock=clock, sleeper=sleeper, owner=owner).unwrap()
    for statement in create_table(MARKET_WEEKLY, if_not_exists=True):
        db.execute(statement).unwrap()
    stats = BaseRepository(db, MARKET_WEEKLY, WeeklyStat)
    quality = QualityRunner(db, ids=ids, clock=clock)
    dead_letters = DLQManager(db, ids=ids, clock=clock)
    source = CsvBarSource()
    flow = market_workflow(source, stats, recorder=quality, pause=pause)
    runner = TrackedWorkflowRunner(
        db, owner=owner, lease_s=lease_s, clock=clock, ids=ids, sleeper=sleeper, dead_letters=dead_letters
    )
    runner.register(flow)
    return Demo(
        db=db,
        runner=runner,
        workflow=flow,
        source=source,
        stats=stats,
        quality=quality,
        anomalies=AnomalyRecorder(db, ids=ids, clock=clock),
        dead_letters=dead_letters,
        ledger=ExecutionLedger(db, ids=ids, clock=clock),
        pause=pause,
    )
