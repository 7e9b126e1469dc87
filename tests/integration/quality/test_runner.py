"""QualityRunner on each live database: one row per result, read back exactly, filtered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spine.core.errors import ValidationError
from spine.quality.check import Dataset, QualityCheck, Verdict
from spine.quality.completeness import null_rate, row_count
from spine.quality.conformity import schema
from spine.quality.gate import gate
from spine.quality.result import QualityStatus
from spine.quality.runner import QualityRunner
from spine.quality.timeliness import freshness
from spine.quality.validity import allowed_values, unique, value_range
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.sql.statement import sql
from spine.storage.tables import QUALITY_RESULTS
from spine.testing import FakeClock, SequentialIdSource
from tests.integration.storage.isolated import BACKEND_PARAMS, migrated

START = datetime(2025, 1, 3, 12, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))

ROWS: Dataset = [
    {"id": 1, "side": "buy", "px": 10.5, "at": datetime(2025, 1, 3, 16, tzinfo=IST)},
    {"id": 2, "side": "sell", "px": None, "at": datetime(2025, 1, 3, 17, tzinfo=IST)},
    {"id": 2, "side": "hold", "px": -1.0, "at": datetime(2025, 1, 3, 17, 15, tzinfo=IST)},
]


def _boom(rows: Dataset) -> Verdict:
    msg = "reference data unavailable"
    raise RuntimeError(msg)


CHECKS = (
    row_count(min=1, warn_min=10),
    null_rate("px", max_rate=0.5, warn_rate=0.1),
    unique("id"),
    value_range("px", 0, 1_000),
    allowed_values("side", ["buy", "sell"]),
    freshness("at", timedelta(hours=2), now=START),
    schema({"id": int, "side": str, "px": float, "venue": str}),
    QualityCheck(name="custom", measure=_boom),
)


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One migrated private database per backend for this module (migrating costs ~1 s on MariaDB)."""
    with migrated(request.param, tmp_path_factory.mktemp("quality")) as (database, _):
        yield database


@pytest.fixture
def db(database: Database) -> Database:
    """The module's database with no stored results."""
    database.execute(sql("DELETE FROM spine_quality_results")).unwrap()
    return database


def _runner(db: Database) -> tuple[QualityRunner, FakeClock]:
    clock = FakeClock(START)
    return QualityRunner(db, ids=SequentialIdSource(), clock=clock), clock


def test_every_result_is_stored_and_reads_back_exactly(db: Database) -> None:
    runner, _ = _runner(db)
    report = runner.run(CHECKS, ROWS, domain="orders", partition_key="2025-01-03", run_id="r1").unwrap()
    assert [r.status for r in report.results] == [
        QualityStatus.WARN,
        QualityStatus.WARN,
        QualityStatus.FAIL,
        QualityStatus.FAIL,
        QualityStatus.FAIL,
        QualityStatus.PASS,
        QualityStatus.FAIL,
        QualityStatus.FAIL,
    ]
    stored = runner.results(run_id="r1").unwrap()
    assert tuple(r.to_result() for r in stored) == report.results
    assert {(r.domain, r.partition_key, r.run_id, r.recorded_at) for r in stored} == {
        ("orders", "2025-01-03", "r1", START)
    }
    assert len({r.result_id for r in stored}) == len(CHECKS)
    assert stored[-1].message == "check raised RuntimeError: reference data unavailable"
    assert BaseRepository(db, QUALITY_RESULTS, type(stored[0])).count().unwrap() == len(CHECKS)
    assert not gate(report).failure().report.passed


def test_results_are_filtered_by_domain_run_status_and_time(db: Database) -> None:
    runner, clock = _runner(db)
    runner.run([row_count(min=1), unique("id")], ROWS, domain="orders", run_id="r1").unwrap()
    clock.advance(3600)
    runner.run([row_count(min=5)], ROWS, domain="trades", run_id="r2").unwrap()
    clock.advance(3600)
    runner.run([row_count(min=1)], ROWS, domain="orders", run_id="r3").unwrap()

    def checks(**filters: object) -> list[tuple[str | None, str]]:
        found = runner.results(**filters).unwrap()  # type: ignore[arg-type]  # filters by name
        return [(r.run_id, r.check_name) for r in found]

    assert checks(domain="orders") == [("r1", "row_count"), ("r1", "unique(id)"), ("r3", "row_count")]
    assert checks(status=QualityStatus.FAIL) == [("r1", "unique(id)"), ("r2", "row_count")]
    pst = timezone(timedelta(hours=-8))
    one_hour_in = (START + timedelta(hours=1)).astimezone(pst)
    assert checks(since=one_hour_in) == [("r2", "row_count"), ("r3", "row_count")]
    assert checks(since=one_hour_in + timedelta(microseconds=1)) == [("r3", "row_count")]
    assert checks(domain="orders", limit=2) == [("r1", "row_count"), ("r1", "unique(id)")]


def test_bad_input_stores_nothing(db: Database) -> None:
    runner, _ = _runner(db)
    for outcome in (
        runner.run([row_count(min=1)], ROWS, domain=""),
        runner.run([row_count(min=1)], ROWS, domain="orders", run_id="r" * 27),
        runner.run([row_count(min=1)], ROWS, domain="orders", partition_key="p" * 201),
        runner.results(since=datetime(2025, 1, 3)),
        runner.results(limit=0),
    ):
        assert isinstance(outcome.failure(), ValidationError)
    assert runner.results().unwrap() == ()


def test_an_empty_report_stores_no_rows(db: Database) -> None:
    runner, _ = _runner(db)
    assert runner.run([], ROWS, domain="orders").unwrap().results == ()
    assert runner.results().unwrap() == ()
