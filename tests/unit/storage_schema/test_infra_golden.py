"""Golden files for every statement the infrastructure schema and its stores run.

Oracle and Db2 cannot run here: their SQL for the shipped migrations, the migration lock
and the bitemporal store is pinned in ``tests/storage/golden_infra/<target>/`` (reviewed
against the vendor rules in the dialect notes). SQLite, PostgreSQL and MariaDB run the same
statements live in ``tests/integration/storage``. Regenerate after reviewing a change::

    SPINE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/unit/storage_schema/test_infra_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.storage import bitemporal, migrations
from spine.storage.sql import Statement, compile, create_table, get_dialect
from spine.storage.tables import MIGRATION_LOCK, MIGRATIONS

GOLDEN = Path(__file__).resolve().parents[2] / "storage" / "golden_infra"
TARGETS = {
    "oracle": ("oracle", None),
    "oracle-23": ("oracle", "23"),
    "db2": ("db2", None),
    "db2-11.1": ("db2", "11.1"),
}
UPDATE = os.environ.get("SPINE_UPDATE_GOLDEN") == "1"


def statements() -> dict[str, Statement]:
    named: dict[str, Statement] = {}
    for migration in migrations.INFRASTRUCTURE_MIGRATIONS:
        for index, statement in enumerate(migration.statements()):
            named[f"migration_{migration.version:03d}_{index:02d}"] = statement
    for table in (MIGRATIONS, MIGRATION_LOCK):
        for index, statement in enumerate(create_table(table, if_not_exists=True)):
            named[f"bookkeeping_{table.name}_{index:02d}"] = statement
    for module, prefix in ((migrations, "migrations"), (bitemporal, "bitemporal")):
        for name, value in sorted(vars(module).items()):
            if isinstance(value, Statement):
                named[f"{prefix}{name.lower()}"] = value
    return named


CASES = [(folder, name) for folder in TARGETS for name in statements()]


@pytest.mark.parametrize(("folder", "name"), CASES, ids=[f"{f}-{n}" for f, n in CASES])
def test_matches_golden_file(folder: str, name: str) -> None:
    dialect_name, version = TARGETS[folder]
    dialect = get_dialect(dialect_name, version)
    query = compile(statements()[name], dialect)
    lines = [f"-- {dialect} ({dialect.paramstyle})"]
    if query.param_names:
        lines.append(f"-- params: {', '.join(query.param_names)}")
    text = "\n".join([*lines, query.sql, ""])
    path = GOLDEN / folder / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with SPINE_UPDATE_GOLDEN=1 after review"
    assert path.read_text() == text


@pytest.mark.parametrize("folder", sorted(TARGETS))
def test_no_stale_golden_files(folder: str) -> None:
    present = {path.stem for path in (GOLDEN / folder).glob("*.sql")}
    assert present <= set(statements())
