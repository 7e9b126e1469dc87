"""The quality gate inside a workflow: FAIL stops the run with the report, WARN goes on."""

from __future__ import annotations

from pathlib import Path

from returns.result import Failure, Success

from spine.orchestration import StepStatus, WorkflowRunner, chain, lift, workflow
from spine.quality import QualityGateError, QualityRunner, QualityStatus, null_rate, row_count
from spine.quality.check import Dataset
from spine.quality.step import quality_gate
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.testing import FakeClock, FakeSleeper, SequentialIdSource


def _count(rows: Dataset) -> int:
    return len(rows)


def _database(tmp_path: Path) -> tuple[Database, QualityRunner]:
    clock = FakeClock()
    db = Database(connect(f"sqlite:///{tmp_path / 'q.db'}").unwrap())
    migrate(db, clock=clock, sleeper=FakeSleeper(clock), owner="test").unwrap()
    return db, QualityRunner(db, ids=SequentialIdSource(), clock=clock)


def test_a_failing_check_stops_the_run_with_the_report() -> None:
    after = lift(_count, name="count")
    flow = workflow("ingest", chain(quality_gate([row_count(min=3)], name="gate"), after))
    report = WorkflowRunner().run(flow, [{"id": 1}])
    error = report.result.failure()
    assert isinstance(error, QualityGateError)
    assert [r.status for r in error.report.results] == [QualityStatus.FAIL]
    assert error.context["step"] == "gate"
    assert report.step("count").status is StepStatus.PENDING


def test_a_warning_is_recorded_and_the_rows_go_on(tmp_path: Path) -> None:
    db, runner = _database(tmp_path)
    try:
        gate = quality_gate(
            [row_count(min=1), null_rate("px", max_rate=0.9, warn_rate=0.1)],
            recorder=runner,
            domain="prices",
            partition_key=lambda rows: "2025-01-10",
        )
        rows: Dataset = [{"px": 1.0}, {"px": None}]
        report = WorkflowRunner().run(workflow("ingest", chain(gate, lift(_count, name="count"))), rows)
        assert report.result == Success(2)
        stored = runner.results(domain="prices").unwrap()
        assert sorted(r.status.value for r in stored) == ["pass", "warn"]
        assert {r.partition_key for r in stored} == {"2025-01-10"}
    finally:
        db.close()


def test_a_failed_gate_still_stores_its_results(tmp_path: Path) -> None:
    db, runner = _database(tmp_path)
    try:
        gate = quality_gate([row_count(min=5)], recorder=runner, domain="prices")
        report = WorkflowRunner().run(workflow("ingest", gate), [{"px": 1.0}])
        assert isinstance(report.result, Failure)
        assert [r.status.value for r in runner.results(domain="prices").unwrap()] == ["fail"]
    finally:
        db.close()
