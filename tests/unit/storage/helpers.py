"""``assert_renders``: one statement, its expected SQL per target (sqlglot's ``validate_all``).

Targets are dialect names with an optional version and paramstyle:
``"oracle"``, ``"oracle/23"``, ``"oracle:named"``, ``"mysql/8.0"``, ``"db2/11.1"``. An expected
value is the SQL text, or ``UNSUPPORTED`` (optionally ``Unsupported("fragment")``) when the
target must refuse the statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from spine.storage.compiled import CompiledQuery
from spine.storage.sql import Dialect, Statement, UnsupportedSqlError, compile, get_dialect

__all__ = ["ALL_TARGETS", "UNSUPPORTED", "Unsupported", "assert_renders", "target"]

ALL_TARGETS = (
    "sqlite",
    "postgres",
    "mysql",
    "mysql/8.0",
    "oracle",
    "oracle/23",
    "oracle:named",
    "db2",
    "db2/11.1",
)


@dataclass(frozen=True)
class Unsupported:
    """The target must raise ``UnsupportedSqlError`` whose message contains ``fragment``."""

    fragment: str = ""


UNSUPPORTED = Unsupported()


def target(key: str) -> Dialect:
    """``"oracle/23:named"`` -> ``get_dialect("oracle", "23", "named")``."""
    spec, _, paramstyle = key.partition(":")
    name, _, version = spec.partition("/")
    return get_dialect(name, version or None, paramstyle or None)


def assert_renders(stmt: Statement, expected: Mapping[str, str | Unsupported]) -> dict[str, CompiledQuery]:
    """Compile ``stmt`` for every key of ``expected`` and compare; returns the compiled queries."""
    compiled: dict[str, CompiledQuery] = {}
    failures: list[str] = []
    for key, want in expected.items():
        dialect = target(key)
        if isinstance(want, Unsupported):
            with pytest.raises(UnsupportedSqlError) as info:
                compile(stmt, dialect)
            if want.fragment not in str(info.value):
                failures.append(f"{key}: expected refusal mentioning {want.fragment!r}, got {info.value}")
            continue
        query = compile(stmt, dialect)
        compiled[key] = query
        if query.sql != want:
            failures.append(f"{key}:\n  expected {want}\n  got      {query.sql}")
    assert not failures, "\n".join(failures)
    return compiled
