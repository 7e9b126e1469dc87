"""SQLite specifics the contract suite does not cover: pragmas, converters, limits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from returns.result import Success

from spine.core.errors import DatabaseConnectionError, DatabaseError, IntegrityError, QueryError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import FETCH_ROWS, ParameterError
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
    assert pragma("wal_autocheckpoint") == 10_000


def test_a_new_file_gets_the_urls_page_size_and_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    def page_size(url: str) -> object:
        conn = open_sqlite(parse_url(url).unwrap()).unwrap()
        conn.execute(_q("CREATE TABLE IF NOT EXISTS t (a INTEGER)")).unwrap()
        size = conn.execute(_q("PRAGMA page_size")).unwrap().scalar()
        conn.close()
        return size

    assert page_size(f"sqlite:///{tmp_path / 'default.db'}") == 2048
    assert page_size(f"sqlite:///{tmp_path / 'big.db'}?page_size=8192") == 8192
    assert page_size(f"sqlite:///{tmp_path / 'big.db'}?page_size=1024") == 8192  # fixed once made
    theirs = sqlite3.connect(tmp_path / "theirs.db")  # a file someone else made
    theirs.execute("PRAGMA page_size=16384")
    theirs.execute("CREATE TABLE t (a INTEGER)")
    theirs.close()
    assert page_size(f"sqlite:///{tmp_path / 'theirs.db'}") == 16384


def test_the_wal_checkpoint_interval_comes_from_the_url(tmp_path: Path) -> None:
    url = parse_url(f"sqlite:///{tmp_path / 'db.sqlite'}?wal_autocheckpoint=250").unwrap()
    conn = open_sqlite(url).unwrap()
    assert conn.execute(_q("PRAGMA wal_autocheckpoint")).unwrap().scalar() == 250
    conn.close()


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


def test_the_internal_fetch_rows_decides_as_execute_does(conn: SqliteConnection) -> None:
    """``FETCH_ROWS`` (what BaseRepository's hot path calls) against ``execute``, case by case."""
    fetch = getattr(type(conn), FETCH_ROWS)
    conn.execute(_q("CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ, n DECIMAL_TEXT)")).unwrap()
    insert = _q("INSERT INTO t VALUES (?, ?, ?)", "id", "ts", "n")
    select = _q("SELECT id, ts, n FROM t WHERE id = ?", "id")
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    cases: list[tuple[CompiledQuery, dict[str, SqlValue]]] = [
        (insert, {"id": 5, "ts": at, "n": Decimal("1.10")}),
        (insert, {"id": 1, "ts": None, "n": None}),  # duplicate key
        (insert, {"id": 2, "ts": datetime(2024, 1, 1), "n": None}),  # naive datetime
        (insert, {"id": 3, "ts": None, "n": 2**63}),  # out of range
        (select, {"id": 1}),
        (select, {"id": 9}),
        (_q("SELECT nonsense FROM"), {}),
        (CompiledQuery(sql="SELECT %s", dialect="postgres", paramstyle=Paramstyle.FORMAT), {}),
    ]
    conn.execute(insert, {"id": 1, "ts": at, "n": Decimal("1.10")}).unwrap()
    for query, params in cases:
        # Each runs twice from the same state: in a block that rolls back, then again.
        with conn.transaction() as tx:
            through_port = conn.execute(query, params)
            tx.set_rollback_only()
        with conn.transaction() as tx:
            bare = fetch(conn, query, tuple(params[name] for name in query.param_names))
            tx.set_rollback_only()
        if isinstance(through_port, Success):
            rows = through_port.unwrap()
            assert bare == (list(rows.rows) if rows.columns else None), query.sql
        else:
            error = through_port.failure()
            assert (type(bare), str(bare), bare.sqlstate) == (type(error), str(error), error.sqlstate)
    assert fetch(conn, select, (1,)) == [(1, at, Decimal("1.10"))]
    conn.close()
    assert isinstance(fetch(conn, select, (1,)), DatabaseConnectionError)


_WRITE_ALL = "_write_all"
"""The batch fast path's name (``spine.orchestration.run_store.WRITE_ALL``), looked up on the class."""


def _write_all(
    conn: SqliteConnection, batch: list[tuple[CompiledQuery, tuple[SqlValue, ...]]]
) -> tuple[int, DatabaseError] | None:
    found: tuple[int, DatabaseError] | None = getattr(type(conn), _WRITE_ALL)(conn, batch)
    return found


def _ids(conn: SqliteConnection) -> list[object]:
    return [row[0] for row in conn.execute(_q("SELECT id FROM t ORDER BY id")).unwrap().rows]


def test_write_all_commits_a_batch_or_nothing(conn: SqliteConnection) -> None:
    conn.execute(_q("CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ)")).unwrap()
    insert = _q("INSERT INTO t VALUES (?, ?)", "id", "ts")
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert _write_all(conn, [(insert, (1, at)), (insert, (2, None))]) is None
    assert _ids(conn) == [1, 2]
    assert conn.execute(_q("SELECT ts FROM t WHERE id = 1")).unwrap().scalar() == at  # converted
    failed = _write_all(conn, [(insert, (3, None)), (insert, (1, None)), (insert, (4, None))])
    assert failed is not None
    assert failed[0] == 1
    assert isinstance(failed[1], IntegrityError)
    naive = _write_all(conn, [(insert, (5, None)), (insert, (6, datetime(2024, 1, 1)))])
    assert naive is not None
    assert (naive[0], type(naive[1])) == (1, ParameterError)
    style = CompiledQuery(sql="x", dialect="postgres", paramstyle=Paramstyle.FORMAT)
    wrong = _write_all(conn, [(insert, (7, None)), (style, ())])
    assert wrong is not None
    assert (wrong[0], type(wrong[1])) == (1, ParameterError)
    assert _ids(conn) == [1, 2]  # every failed batch rolled back whole
    with conn.transaction() as tx:  # inside a transaction: a savepoint of it
        assert _write_all(conn, [(insert, (8, None))]) is None
        inner = _write_all(conn, [(insert, (9, None)), (insert, (8, None))])
        assert inner is not None
        assert inner[0] == 1
    assert tx.outcome == Success(True)
    assert _ids(conn) == [1, 2, 8]
    conn.close()
    closed = _write_all(conn, [(insert, (10, None))])
    assert closed is not None
    assert isinstance(closed[1], DatabaseConnectionError)


def test_write_all_reports_a_lock_it_could_not_take_as_a_transaction_would(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = open_sqlite(parse_url(f"sqlite:///{path}?busy_timeout=0").unwrap()).unwrap()
    conn.execute(_q("CREATE TABLE t (id INTEGER PRIMARY KEY)")).unwrap()
    holder = sqlite3.connect(path, autocommit=True)
    holder.execute("BEGIN IMMEDIATE")
    try:
        failed = _write_all(conn, [(_q("INSERT INTO t VALUES (?)", "id"), (1,))])
        with conn.transaction():
            refused = conn.execute(_q("INSERT INTO t VALUES (?)", "id"), {"id": 1}).failure()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert failed is not None
    error = failed[1]
    assert isinstance(error, QueryError)
    assert (failed[0], type(error), error.sqlstate, error.retryable) == (0, type(refused), "25P02", True)
    assert str(error) == str(refused)
    assert _write_all(conn, [(_q("INSERT INTO t VALUES (?)", "id"), (1,))]) is None
    assert _ids(conn) == [1]
    conn.close()
