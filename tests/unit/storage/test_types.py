"""The portable type vocabulary: validation, and its spelling per dialect (the facts-note table)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlglot import exp

from spine.core.errors import ValidationError
from spine.storage.sql import (
    BIGINT,
    BOOLEAN,
    BYTES,
    DATE,
    DOUBLE,
    INTEGER,
    JSON,
    SMALLINT,
    TEXT,
    TIMESTAMPTZ,
    SqlType,
    TypeKind,
    decimal,
    varchar,
)
from spine.storage.sql.typemap import from_datatype, render_type, to_datatype
from tests.unit.storage.helpers import target

TARGETS = ("sqlite", "postgres", "mysql", "oracle", "oracle/23", "db2", "db2/11.1")
SPELLINGS: dict[SqlType, tuple[str, ...]] = {
    BIGINT: ("INTEGER", "BIGINT", "BIGINT", "NUMBER(19)", "NUMBER(19)", "BIGINT", "BIGINT"),
    INTEGER: ("INTEGER", "INTEGER", "INT", "NUMBER(10)", "NUMBER(10)", "INTEGER", "INTEGER"),
    SMALLINT: ("INTEGER", "SMALLINT", "SMALLINT", "NUMBER(5)", "NUMBER(5)", "SMALLINT", "SMALLINT"),
    BOOLEAN: ("INTEGER", "BOOLEAN", "BOOLEAN", "NUMBER(1)", "BOOLEAN", "BOOLEAN", "SMALLINT"),
    TEXT: ("TEXT", "TEXT", "LONGTEXT", "CLOB", "CLOB", "CLOB(1G)", "CLOB(1G)"),
    varchar(40): (
        "TEXT",
        "VARCHAR(40)",
        "VARCHAR(40)",
        "VARCHAR2(40 CHAR)",
        "VARCHAR2(40 CHAR)",
        "VARCHAR(40 CODEUNITS32)",
        "VARCHAR(40 CODEUNITS32)",
    ),
    decimal(12, 2): (
        "TEXT",
        "NUMERIC(12, 2)",
        "DECIMAL(12, 2)",
        "NUMBER(12, 2)",
        "NUMBER(12, 2)",
        "DECIMAL(12, 2)",
        "DECIMAL(12, 2)",
    ),
    DOUBLE: ("REAL", "DOUBLE PRECISION", "DOUBLE", "BINARY_DOUBLE", "BINARY_DOUBLE", "DOUBLE", "DOUBLE"),
    TIMESTAMPTZ: (
        "TEXT",
        "TIMESTAMPTZ",
        "DATETIME(6)",
        "TIMESTAMP(6)",
        "TIMESTAMP(6)",
        "TIMESTAMP(6)",
        "TIMESTAMP(6)",
    ),
    DATE: ("TEXT", "DATE", "DATE", "DATE", "DATE", "DATE", "DATE"),
    JSON: ("TEXT", "JSONB", "JSON", "CLOB", "JSON", "CLOB(1G)", "CLOB(1G)"),
    BYTES: ("BLOB", "BYTEA", "LONGBLOB", "BLOB", "BLOB", "BLOB(1G)", "BLOB(1G)"),
}


@pytest.mark.parametrize("sql_type", list(SPELLINGS), ids=str)
def test_spelling_per_dialect(sql_type: SqlType) -> None:
    assert tuple(render_type(sql_type, target(key)) for key in TARGETS) == SPELLINGS[sql_type]


def test_every_kind_is_in_the_table() -> None:
    assert {t.kind for t in SPELLINGS} == set(TypeKind)


@pytest.mark.parametrize("sql_type", list(SPELLINGS), ids=str)
def test_canonical_datatype_round_trips(sql_type: SqlType) -> None:
    assert from_datatype(to_datatype(sql_type)) == sql_type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INT8", BIGINT),
        ("INT4", INTEGER),
        ("BOOL", BOOLEAN),
        ("VARCHAR", TEXT),
        ("JSONB", JSON),
        ("BYTEA", BYTES),
        ("TIMESTAMP WITH TIME ZONE", TIMESTAMPTZ),
        ("TIMESTAMP", TIMESTAMPTZ),
        ("NUMERIC(10)", decimal(10, 0)),
        ("UUID", None),
        ("NUMERIC", None),
        ("CHAR(3)", None),
    ],
)
def test_parsed_postgres_types_map_to_the_vocabulary(text: str, expected: SqlType | None) -> None:
    assert from_datatype(exp.DataType.build(text, dialect="postgres")) == expected


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: varchar(0), "varchar length must be an int from 1 to 4000"),
        (lambda: varchar(4001), "varchar length"),
        (lambda: decimal(32, 2), "decimal precision must be an int from 1 to 31"),
        (lambda: decimal(5, 6), "decimal scale must be an int from 0 to 5"),
        (lambda: SqlType(kind=TypeKind.TEXT, length=3), "text takes no length"),
        (lambda: SqlType(kind=TypeKind.BIGINT, precision=3), "bigint takes no precision/scale"),
    ],
)
def test_invalid_types_are_rejected(make: Callable[[], SqlType], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment.replace("(", r"\(")):
        make()


def test_lobs_are_not_indexable() -> None:
    assert {t.kind for t in SPELLINGS if not t.indexable} == {TypeKind.TEXT, TypeKind.JSON, TypeKind.BYTES}
