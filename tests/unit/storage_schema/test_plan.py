"""The pure migration planner and the checksums that pin shipped migrations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ConfigError, ConflictError
from spine.storage.migrations import (
    INFRASTRUCTURE_MIGRATIONS,
    AppliedMigration,
    CreateTable,
    Migration,
    Sql,
    plan,
)
from spine.storage.sql import BIGINT, Column, Table
from spine.storage.tables import INFRASTRUCTURE_TABLES, RUNS

T0 = datetime(2025, 1, 3, tzinfo=UTC)

# Shipped migrations are history: editing one must be a deliberate, reviewed act. When this
# fails, add a new migration instead of changing tables.py or an existing Migration.
# Migration 1 was reshaped once, deliberately, before the first release (0.1.0 never shipped
# with the old one): a durable step's checkpoint became its ledger event (no
# spine_checkpoints table, a ``body`` column, the events indexed by their key only).
SHIPPED_CHECKSUMS = {1: "130df2764cd6883fdd4370abff0f58620c2988af89f956f0731f20289556d8a9"}


def _migration(version: int) -> Migration:
    return Migration(version=version, name=f"m{version}", operations=(Sql(f"SELECT {version}"),))


def _applied(migration: Migration, checksum: str | None = None) -> AppliedMigration:
    return AppliedMigration(
        version=migration.version,
        name=migration.name,
        checksum=checksum or migration.checksum,
        applied_at=T0,
        duration_ms=1,
    )


def test_shipped_migrations_are_unchanged() -> None:
    assert {m.version: m.checksum for m in INFRASTRUCTURE_MIGRATIONS} == SHIPPED_CHECKSUMS


def test_every_infrastructure_table_is_created_by_a_migration_or_the_bookkeeping() -> None:
    created = {
        op.table.name for m in INFRASTRUCTURE_MIGRATIONS for op in m.operations if isinstance(op, CreateTable)
    }
    assert created | {"spine_migrations", "spine_migration_lock"} == {t.name for t in INFRASTRUCTURE_TABLES}


versions = st.lists(st.integers(1, 10_000), min_size=1, max_size=12, unique=True).map(sorted)


@given(versions, st.data())
def test_plan_returns_exactly_what_is_not_applied_in_order(vs: list[int], data: st.DataObject) -> None:
    migrations = [_migration(v) for v in vs]
    done = data.draw(st.integers(0, len(migrations)))
    pending = plan(migrations, [_applied(m) for m in migrations[:done]]).unwrap()
    assert pending == tuple(migrations[done:])


@given(versions, st.data())
def test_a_changed_applied_migration_is_a_conflict(vs: list[int], data: st.DataObject) -> None:
    migrations = [_migration(v) for v in vs]
    changed = data.draw(st.sampled_from(migrations))
    applied = [_applied(m, "0" * 64 if m is changed else None) for m in migrations]
    error = plan(migrations, applied).failure()
    assert isinstance(error, ConflictError)
    assert f"migration {changed.version} " in error.message


def test_an_applied_migration_the_code_does_not_know_is_a_conflict() -> None:
    error = plan([_migration(1)], [_applied(_migration(1)), _applied(_migration(2))]).failure()
    assert isinstance(error, ConflictError)
    assert "does not know" in error.message


def test_a_pending_migration_below_an_applied_one_is_out_of_order() -> None:
    m1, m2, m3 = _migration(1), _migration(2), _migration(3)
    error = plan([m1, m2, m3], [_applied(m1), _applied(m3)]).failure()
    assert isinstance(error, ConflictError)
    assert "out of order" in error.message


@pytest.mark.parametrize("vs", [[2, 1], [1, 1], [0, 1], [-3]])
def test_versions_must_be_positive_and_strictly_increasing(vs: list[int]) -> None:
    assert isinstance(plan([_migration(v) for v in vs], []).failure(), ConfigError)


def test_the_checksum_pins_the_definition() -> None:
    one = Migration(version=1, name="t", operations=(CreateTable(RUNS),))
    same = Migration(version=1, name="t", operations=(CreateTable(RUNS),))
    wider = Table(
        name=RUNS.name,
        columns=(*RUNS.columns, Column(name="extra", type=BIGINT)),
        primary_key=RUNS.primary_key,
    )
    other = Migration(version=1, name="t", operations=(CreateTable(wider),))
    assert one.checksum == same.checksum
    assert one.checksum != other.checksum
    assert len(one.checksum) == 64
