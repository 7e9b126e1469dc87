"""SQLite specifics the contract suite does not cover: pragmas, converters, limits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from returns.result import Success

from spine.core.errors import DatabaseConnectionError, IntegrityError
from spine.storage.compiled import CompiledQuery, Paramstyle
from spine.storage.connection import ParameterError
from spine.storage.drivers.sqlite import SqliteConnection, open_sqlite
from spine.storage.url import parse_url


def _q(sql: str, *names: str) -> CompiledQuery:
    return CompiledQuery(sql=sql, dialect="sqlite", paramstyle=Paramstyle.QMARK, param_names=names)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[SqliteConnection]:
    opened = open_sqlite(
        parse_url(f"sqlite:///{tmp_path / 'nested' / 'db.sqlite'}?busy_timeout=1.5").unwrap()
    )
    connection = opened.unwrap()
    yield connection
    connection.close()


def test_pragmas(conn: SqliteConnection) -> None:
    def pragma(name: str) -> object:
        return conn.execute(_q(f"PRAGMA {name}")).unwrap().scalar()

    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1  # NORMAL
    assert pragma("busy_timeout") == 1500


def test_memory_database() -> None:
    conn = open_sqlite(parse_url("sqlite://:memory:").unwrap()).unwrap()
    assert conn.execute(_q("PRAGMA journal_mode")).unwrap().scalar() == "memory"
    assert conn.server_version == sqlite3.sqlite_version
    conn.close()


def test_unopenable_path_is_a_non_retryable_connection_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    error = open_sqlite(parse_url(f"sqlite:///{blocker}/db.sqlite").unwrap()).failure()
    assert isinstance(error, DatabaseConnectionError)
    assert not error.retryable


def test_declared_types_convert(conn: SqliteConnection) -> None:
    conn.execute(
        _q(
            "CREATE TABLE t (ts TIMESTAMP, tz TIMESTAMPTZ, dt DATETIME, d DATE, b BOOLEAN, "
            "n DECIMAL_TEXT, raw TEXT)"
        )
    ).unwrap()
    conn.execute(
        _q(
            "INSERT INTO t VALUES (CURRENT_TIMESTAMP, ?, 'not a time', ?, ?, ?, ?)",
            "tz",
            "d",
            "b",
            "n",
            "raw",
        ),
        {
            "tz": datetime(2024, 5, 1, 12, tzinfo=UTC),
            "d": date(2024, 5, 1),
            "b": False,
            "n": Decimal("-0.10"),
            "raw": "x",
        },
    ).unwrap()
    ((ts, tz, dt, d, b, n, raw),) = conn.execute(_q("SELECT * FROM t")).unwrap().rows
    assert isinstance(ts, datetime)
    assert ts.tzinfo is UTC
    assert tz == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert dt == "not a time"  # a converter never raises: unparseable text comes back as text
    assert (d, b, n, raw) == (date(2024, 5, 1), False, Decimal("-0.10"), "x")


def test_stored_datetime_text_is_fixed_width_utc(conn: SqliteConnection) -> None:
    conn.execute(_q("CREATE TABLE t (ts TEXT)")).unwrap()
    conn.execute(_q("INSERT INTO t VALUES (?)", "ts"), {"ts": datetime(2024, 5, 1, 12, tzinfo=UTC)}).unwrap()
    assert conn.execute(_q("SELECT ts FROM t")).unwrap().scalar() == "2024-05-01 12:00:00.000000+00:00"


def test_out_of_range_integer_is_a_parameter_error(conn: SqliteConnection) -> None:
    error = conn.execute(_q("SELECT ?", "n"), {"n": 2**63}).failure()
    assert isinstance(error, ParameterError)


def test_foreign_keys_are_enforced(conn: SqliteConnection) -> None:
    conn.execute(_q("CREATE TABLE p (id INTEGER PRIMARY KEY)")).unwrap()
    conn.execute(_q("CREATE TABLE c (p INTEGER REFERENCES p(id))")).unwrap()
    error = conn.execute(_q("INSERT INTO c VALUES (1)")).failure()
    assert isinstance(error, IntegrityError)
    assert error.sqlstate == "SQLITE_CONSTRAINT_FOREIGNKEY"


def test_executemany_converts_values_and_rejects_naive(conn: SqliteConnection) -> None:
    conn.execute(_q("CREATE TABLE t (n DECIMAL_TEXT, ts TIMESTAMPTZ)")).unwrap()
    insert = _q("INSERT INTO t VALUES (?, ?)", "n", "ts")
    now = datetime.now(UTC)
    assert conn.executemany(insert, [{"n": Decimal("1.5"), "ts": now}, {"n": None, "ts": None}]) == Success(2)
    assert conn.execute(_q("SELECT n, ts FROM t")).unwrap().rows == ((Decimal("1.5"), now), (None, None))
    naive = conn.executemany(insert, [{"n": None, "ts": datetime(2024, 1, 1)}])
    assert isinstance(naive.failure(), ParameterError)
    assert isinstance(conn.executemany(insert, [{"n": None}]).failure(), ParameterError)
    wrong_style = CompiledQuery(sql="x", dialect="postgres", paramstyle=Paramstyle.FORMAT)
    assert isinstance(conn.executemany(wrong_style, []).failure(), ParameterError)


def test_returning_rows(conn: SqliteConnection) -> None:
    conn.execute(_q("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")).unwrap()
    rows = conn.execute(_q("INSERT INTO t (v) VALUES (?) RETURNING id", "v"), {"v": "a"}).unwrap()
    assert (rows.columns, rows.rows, rows.rowcount) == (("id",), ((1,),), 1)
