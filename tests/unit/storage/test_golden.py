"""Golden files: the exact Oracle and Db2 SQL for every corpus statement.

Oracle and Db2 cannot run here, so their SQL is pinned in ``tests/storage/golden/<target>/``
and was reviewed against the vendor rules (MERGE forms, FETCH FIRST, RETURNING INTO, no
``AS`` before Oracle table aliases, identity syntax, IF NOT EXISTS emulation). A change in
the compiler output fails this test; after reviewing the new SQL, regenerate with::

    SPINE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/unit/storage/test_golden.py

Each file holds the parameter order and output binds as comments, then the SQL; a target
that must refuse the statement holds the refusal instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.storage.sql import UnsupportedSqlError, compile
from tests.unit.storage.corpus import Entry, corpus
from tests.unit.storage.helpers import target

GOLDEN = Path(__file__).resolve().parents[2] / "storage" / "golden"
TARGETS = {"oracle": "oracle", "oracle-23": "oracle/23", "db2": "db2", "db2-11.1": "db2/11.1"}
UPDATE = os.environ.get("SPINE_UPDATE_GOLDEN") == "1"


def render(entry: Entry, key: str) -> str:
    dialect = target(key)
    if key in entry.unsupported:
        with pytest.raises(UnsupportedSqlError) as refused:
            compile(entry.statement, dialect)
        return f"-- unsupported: {refused.value}\n"
    query = compile(entry.statement, dialect)
    lines = [f"-- {dialect} ({dialect.paramstyle})"]
    if query.param_names:
        lines.append(f"-- params: {', '.join(query.param_names)}")
    if query.out_binds:
        lines.append(f"-- out binds: {', '.join(query.out_binds)}")
    return "\n".join([*lines, query.sql, ""])


CASES = [(folder, key, entry) for folder, key in TARGETS.items() for entry in corpus()]


@pytest.mark.parametrize(("folder", "key", "entry"), CASES, ids=[f"{f}-{e.name}" for f, _, e in CASES])
def test_matches_golden_file(folder: str, key: str, entry: Entry) -> None:
    path = GOLDEN / folder / f"{entry.name}.sql"
    text = render(entry, key)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with SPINE_UPDATE_GOLDEN=1 after review"
    assert path.read_text() == text


@pytest.mark.parametrize("folder", sorted(TARGETS))
def test_no_stale_golden_files(folder: str) -> None:
    names = {f"{entry.name}.sql" for entry in corpus()}
    present = {path.name for path in (GOLDEN / folder).glob("*.sql")}
    assert present <= names, f"golden files without a corpus entry: {sorted(present - names)}"
