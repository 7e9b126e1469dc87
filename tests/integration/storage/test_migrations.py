"""Migrations on live SQLite, PostgreSQL and MariaDB: the whole schema, idempotent, guarded."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from returns.result import Success

from spine.core.errors import ConflictError
from spine.core.system import SystemClock, SystemSleeper
from spine.storage.database import Database
from spine.storage.migrations import (
    INFRASTRUCTURE_MIGRATIONS,
    AppliedMigration,
    Migration,
    MigrationReport,
    Sql,
    migrate,
)
from spine.storage.repository import BaseRepository
from spine.storage.sql import count, insert
from spine.storage.tables import INFRASTRUCTURE_TABLES, MIGRATION_LOCK, MIGRATIONS
from spine.testing import FakeClock, FakeSleeper
from tests.integration.storage.isolated import backends, isolated, reopen

CLOCK, SLEEPER = SystemClock(), SystemSleeper()


def _migrate(db: Database, owner: str = "test", **kwargs: float) -> MigrationReport:
    return migrate(db, clock=CLOCK, sleeper=SLEEPER, owner=owner, **kwargs).unwrap()  # type: ignore[arg-type]  # only float options are passed


@backends
def test_migrating_twice_creates_every_table_once(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        first = _migrate(db)
        second = _migrate(db)
        assert first == MigrationReport(applied=(1,), already=())
        assert second == MigrationReport(applied=(), already=(1,))
        for table in INFRASTRUCTURE_TABLES:
            assert db.execute(count(table)).unwrap().scalar() in (0, 1), table.name
        recorded = db.execute(count(MIGRATIONS)).unwrap().scalar()
        assert recorded == len(INFRASTRUCTURE_MIGRATIONS)
        assert db.execute(count(MIGRATION_LOCK)).unwrap().scalar() == 0  # released


@backends
def test_a_changed_migration_is_refused(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        _migrate(db)
        edited = Migration(version=1, name=INFRASTRUCTURE_MIGRATIONS[0].name, operations=(Sql("SELECT 1"),))
        outcome = migrate(db, [edited], clock=CLOCK, sleeper=SLEEPER, owner="t")
        error = outcome.failure()
        assert isinstance(error, ConflictError)
        assert "was changed after it was applied" in error.message


@backends
def test_a_new_migration_is_applied_after_the_old_ones(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        _migrate(db)
        extra = Migration(version=2, name="noop", operations=(Sql("SELECT 1"),))
        report = migrate(db, (*INFRASTRUCTURE_MIGRATIONS, extra), clock=CLOCK, sleeper=SLEEPER, owner="t")
        assert report.unwrap() == MigrationReport(applied=(2,), already=(1,))


@backends
def test_a_failing_migration_is_not_recorded(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        _migrate(db)
        broken = Migration(version=2, name="broken", operations=(Sql("SELECT * FROM no_such_table"),))
        outcome = migrate(db, (*INFRASTRUCTURE_MIGRATIONS, broken), clock=CLOCK, sleeper=SLEEPER, owner="t")
        assert outcome.failure().category.value == "database"
        assert db.execute(count(MIGRATIONS)).unwrap().scalar() == 1
        assert db.execute(count(MIGRATION_LOCK)).unwrap().scalar() == 0  # released on failure too


@backends
def test_a_live_lock_makes_a_second_migrator_wait_and_give_up(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        _migrate(db)
        expires = datetime.now(UTC) + timedelta(minutes=5)
        db.execute(
            insert(MIGRATION_LOCK), {"lock_id": 1, "owner": "other-host:42", "expires_at": expires}
        ).unwrap()
        clock = FakeClock(datetime.now(UTC))
        outcome = migrate(db, clock=clock, sleeper=FakeSleeper(clock), owner="me", wait_s=1.0)
        error = outcome.failure()
        assert isinstance(error, ConflictError)
        assert "other-host:42" in error.message


@backends
def test_an_expired_lock_is_taken_over(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        _migrate(db)
        stale = datetime.now(UTC) - timedelta(minutes=1)
        db.execute(insert(MIGRATION_LOCK), {"lock_id": 1, "owner": "crashed", "expires_at": stale}).unwrap()
        assert _migrate(db, owner="me") == MigrationReport(applied=(), already=(1,))


@backends
def test_concurrent_migrators_apply_each_migration_once(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, url):
        reports: list[MigrationReport] = []
        errors: list[str] = []

        def run(owner: str) -> None:
            conn = reopen(backend, url)
            try:
                outcome = migrate(conn, clock=CLOCK, sleeper=SLEEPER, owner=owner, wait_s=60.0)
                if isinstance(outcome, Success):
                    reports.append(outcome.unwrap())
                else:
                    errors.append(repr(outcome.failure()))
            except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
                errors.append(repr(exc))
            finally:
                conn.close()

        threads = [threading.Thread(target=run, args=(f"worker-{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert sorted(r.applied for r in reports) == [(), (), (), (1,)]
        assert db.execute(count(MIGRATIONS)).unwrap().scalar() == 1


def test_repository_reads_the_migration_history(tmp_path: Path) -> None:
    with isolated("sqlite", tmp_path) as (db, _):
        _migrate(db)
        (applied,) = BaseRepository(db, MIGRATIONS, AppliedMigration).find().unwrap()
        assert applied.version == 1
        assert applied.checksum == INFRASTRUCTURE_MIGRATIONS[0].checksum
        assert applied.applied_at.tzinfo is not None


pytestmark = pytest.mark.filterwarnings("error")
