"""One suite for every ``Connection`` interpreter that can run here: SQLite, PostgreSQL, MariaDB.

The DDL for the test table is hand-written per dialect (the compiler is tested elsewhere);
everything else is the same code against every interpreter. Table names are unique per
run and dropped afterwards.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from spine.core.errors import (
    DatabaseConnectionError,
    DatabaseError,
    IntegrityError,
    QueryError,
    ValidationError,
)
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connect import connect
from spine.storage.connection import Connection, ParameterError, Rows, Transaction, in_transaction
from tests.services import require

_IDS = itertools.count(1)

DDL = {
    "sqlite": "CREATE TABLE {t} (id INTEGER PRIMARY KEY, i BIGINT, d DECIMAL_TEXT, s TEXT, "
    "ts TIMESTAMPTZ, b BOOLEAN, x BLOB)",
    "postgres": "CREATE TABLE {t} (id BIGINT PRIMARY KEY, i BIGINT, d NUMERIC, s TEXT, "
    "ts TIMESTAMPTZ, b BOOLEAN, x BYTEA)",
    "mysql": "CREATE TABLE {t} (id BIGINT PRIMARY KEY, i BIGINT, d DECIMAL(65,30), s LONGTEXT, "
    "ts DATETIME(6), b BOOLEAN, x LONGBLOB) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
}
SYNTAX_SQLSTATE = {"sqlite": "SQLITE_ERROR", "postgres": "42601", "mysql": "1064"}


class Row(msgspec.Struct, frozen=True):
    id: int
    i: int | None
    d: Decimal | None
    s: str | None
    ts: datetime | None
    b: bool | None
    x: bytes | None


@dataclass(frozen=True)
class Harness:
    conn: Connection
    url: str
    table: str

    @property
    def style(self) -> Paramstyle:
        return Paramstyle.QMARK if self.conn.dialect == "sqlite" else Paramstyle.FORMAT

    def q(self, sql: str, *names: str) -> CompiledQuery:
        mark = "?" if self.style is Paramstyle.QMARK else "%s"
        return CompiledQuery(
            sql=sql.format(t=self.table, p=mark),
            dialect=self.conn.dialect,
            paramstyle=self.style,
            param_names=names,
            returns_rows=sql.lstrip().upper().startswith("SELECT"),
        )

    def insert(self, **values: SqlValue) -> Result[Rows, DatabaseError]:
        names = tuple(values)
        marks = ", ".join("{p}" for _ in names)
        return self.conn.execute(
            self.q(f"INSERT INTO {{t}} ({', '.join(names)}) VALUES ({marks})", *names), values
        )

    def ids(self) -> set[int]:
        rows = self.conn.execute(self.q("SELECT id FROM {t}")).unwrap().rows
        return {int(str(r[0])) for r in rows}

    def get(self, row_id: int) -> Row | None:
        rows = self.conn.execute(
            self.q("SELECT id, i, d, s, ts, b, x FROM {t} WHERE id = {p}", "id"), {"id": row_id}
        )
        return rows.unwrap().first_as(Row).unwrap()


def _url(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'contract.db'}"
    return require(kind)


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.integration),
        pytest.param("mariadb", marks=pytest.mark.integration),
    ],
)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    url = _url(str(request.param), tmp_path_factory.mktemp("contract"))
    conn = connect(url).unwrap()
    table = f"spine_ct_{uuid.uuid4().hex[:10]}"
    harness = Harness(conn, url, table)
    conn.execute(harness.q(DDL[conn.dialect])).unwrap()
    yield harness
    conn.execute(harness.q("DROP TABLE {t}")).unwrap()
    conn.close()


# --- execute / fetch ------------------------------------------------------------------------


def test_dialect_and_version_are_reported(db: Harness) -> None:
    assert db.conn.dialect in {"sqlite", "postgres", "mysql"}
    assert db.conn.server_version


def test_insert_then_select(db: Harness) -> None:
    row_id = next(_IDS)
    inserted = db.insert(id=row_id, s="hello", i=7).unwrap()
    assert inserted.rowcount == 1
    rows = db.conn.execute(db.q("SELECT id, s, i FROM {t} WHERE id = {p}", "id"), {"id": row_id}).unwrap()
    assert rows.columns == ("id", "s", "i")
    assert rows.rows == ((row_id, "hello", 7),)
    assert rows.rowcount == 1


def test_select_without_rows(db: Harness) -> None:
    rows = db.conn.execute(db.q("SELECT id FROM {t} WHERE id = {p}", "id"), {"id": -1}).unwrap()
    assert (rows.columns, rows.rows, rows.rowcount) == (("id",), (), 0)
    assert rows.first_as(Row) == Success(None)


def test_update_rowcount_counts_matched_rows(db: Harness) -> None:
    row_id = next(_IDS)
    db.insert(id=row_id, s="same").unwrap()
    same = db.conn.execute(
        db.q("UPDATE {t} SET s = {p} WHERE id = {p}", "s", "id"), {"s": "same", "id": row_id}
    )
    assert same.unwrap().rowcount == 1


def test_a_parameter_may_repeat(db: Harness) -> None:
    row_id = next(_IDS)
    db.conn.execute(db.q("INSERT INTO {t} (id, i) VALUES ({p}, {p})", "n", "n"), {"n": row_id}).unwrap()
    assert db.get(row_id) == Row(row_id, row_id, None, None, None, None, None)


def test_executemany_reports_the_rows_affected(db: Harness) -> None:
    first = next(_IDS)
    batch: list[dict[str, SqlValue]] = [{"id": first + 1000 + k, "s": f"r{k}"} for k in range(3)]
    count = db.conn.executemany(db.q("INSERT INTO {t} (id, s) VALUES ({p}, {p})", "id", "s"), batch)
    assert count == Success(3)
    assert {r["id"] for r in batch} <= db.ids()


def test_executemany_is_all_or_nothing(db: Harness) -> None:
    base = next(_IDS) + 2000
    db.insert(id=base).unwrap()
    batch = [{"id": base + 1}, {"id": base}]
    result = db.conn.executemany(db.q("INSERT INTO {t} (id) VALUES ({p})", "id"), batch)
    assert isinstance(result.failure(), IntegrityError)
    assert base + 1 not in db.ids()


def test_executemany_with_no_rows(db: Harness) -> None:
    assert db.conn.executemany(db.q("INSERT INTO {t} (id) VALUES ({p})", "id"), []) == Success(0)


# --- errors as values -----------------------------------------------------------------------


def test_integrity_violation_is_an_err(db: Harness) -> None:
    row_id = next(_IDS)
    db.insert(id=row_id).unwrap()
    error = db.insert(id=row_id).failure()
    assert isinstance(error, IntegrityError)
    assert not error.retryable


def test_syntax_error_is_a_query_error_with_sqlstate(db: Harness) -> None:
    error = db.conn.execute(db.q("SELEC 1")).failure()
    assert type(error) is QueryError
    assert error.sqlstate == SYNTAX_SQLSTATE[db.conn.dialect]
    assert not error.retryable


def test_missing_parameter_is_a_validation_error_before_the_driver(db: Harness) -> None:
    query = db.q("SELECT * FROM no_such_table_anywhere WHERE a = {p} AND b = {p}", "a", "b")
    error = db.conn.execute(query, {"a": 1}).failure()
    assert isinstance(error, ParameterError)
    assert isinstance(error, ValidationError)
    assert error.field == "b"


def test_naive_datetime_is_refused(db: Harness) -> None:
    error = db.insert(id=next(_IDS), ts=datetime(2024, 1, 1)).failure()
    assert isinstance(error, ValidationError)
    assert error.field == "ts"


def test_wrong_paramstyle_is_refused(db: Harness) -> None:
    query = CompiledQuery(sql="SELECT 1", dialect="oracle", paramstyle=Paramstyle.NAMED)
    assert isinstance(db.conn.execute(query).failure(), ParameterError)


def test_closed_connection_gives_a_typed_err(db: Harness) -> None:
    conn = connect(db.url).unwrap()
    conn.close()
    conn.close()  # idempotent
    error = conn.execute(db.q("SELECT 1")).failure()
    assert isinstance(error, DatabaseConnectionError)
    assert not error.retryable
    assert isinstance(conn.executemany(db.q("SELECT 1"), [{}]).failure(), DatabaseConnectionError)
    with conn.transaction() as tx:
        assert isinstance(conn.execute(db.q("SELECT 1")).failure(), DatabaseError)
    assert isinstance(tx.outcome, Failure)


# --- transactions ---------------------------------------------------------------------------


def test_transaction_commits_on_normal_exit(db: Harness) -> None:
    row_id = next(_IDS)
    with db.conn.transaction() as tx:
        db.insert(id=row_id).unwrap()
    assert tx.outcome == Success(True)
    other = connect(db.url).unwrap()
    try:
        assert other.execute(db.q("SELECT id FROM {t} WHERE id = {p}", "id"), {"id": row_id}).unwrap().rows
    finally:
        other.close()


class Boom(Exception):
    pass


def _insert_then_raise(db: Harness, row_id: int) -> Transaction:
    with db.conn.transaction() as tx:
        db.insert(id=row_id).unwrap()
        if row_id:
            raise Boom
    return tx


def test_transaction_rolls_back_on_exception(db: Harness) -> None:
    row_id = next(_IDS)
    with pytest.raises(Boom):
        _insert_then_raise(db, row_id)
    assert row_id not in db.ids()
    with db.conn.transaction() as tx:
        with pytest.raises(Boom):
            _insert_then_raise(db, row_id)
        assert db.insert(id=row_id).unwrap().rowcount == 1  # the savepoint undid only the inner insert
    assert tx.outcome == Success(True)


def test_rollback_only(db: Harness) -> None:
    row_id = next(_IDS)
    with db.conn.transaction() as tx:
        db.insert(id=row_id).unwrap()
        tx.set_rollback_only()
    assert tx.outcome == Success(False)
    assert row_id not in db.ids()


def test_nested_transaction_is_a_savepoint(db: Harness) -> None:
    outer_id, inner_id, kept_id = next(_IDS), next(_IDS), next(_IDS)
    with db.conn.transaction() as outer:
        db.insert(id=outer_id).unwrap()
        with pytest.raises(Boom):
            _insert_then_raise(db, inner_id)
        with db.conn.transaction() as kept:
            db.insert(id=kept_id).unwrap()
    assert (outer.outcome, kept.outcome) == (Success(True), Success(True))
    ids = db.ids()
    assert {outer_id, kept_id} <= ids
    assert inner_id not in ids


def test_a_failed_statement_dooms_only_its_own_block(db: Harness) -> None:
    outer_id, dup_id = next(_IDS), next(_IDS)
    db.insert(id=dup_id).unwrap()
    with db.conn.transaction() as outer:
        db.insert(id=outer_id).unwrap()
        with db.conn.transaction() as inner:
            assert isinstance(db.insert(id=dup_id).failure(), IntegrityError)
            refused = db.conn.execute(db.q("SELECT 1")).failure()
            assert isinstance(refused, QueryError)
            assert refused.sqlstate == "25P02"
        db.insert(id=outer_id + 100000).unwrap()  # the outer block goes on after the savepoint
    assert isinstance(inner.outcome.failure(), IntegrityError)
    assert outer.outcome == Success(True)
    assert {outer_id, outer_id + 100000} <= db.ids()


def test_a_failed_statement_in_the_outer_block_rolls_everything_back(db: Harness) -> None:
    first, dup_id = next(_IDS), next(_IDS)
    db.insert(id=dup_id).unwrap()
    with db.conn.transaction() as tx:
        db.insert(id=first).unwrap()
        db.insert(id=dup_id)  # error ignored by the block: the transaction must not commit
    assert isinstance(tx.outcome.failure(), IntegrityError)
    assert first not in db.ids()


def test_in_transaction_commits_ok_and_rolls_back_err(db: Harness) -> None:
    good, bad = next(_IDS), next(_IDS)
    assert in_transaction(db.conn, lambda c: db.insert(id=good)).map(lambda r: r.rowcount) == Success(1)

    def failing(c: Connection) -> Result[Rows, DatabaseError | str]:
        db.insert(id=bad).unwrap()
        return Failure("business rule says no")

    assert in_transaction(db.conn, failing) == Failure("business rule says no")
    ids = db.ids()
    assert good in ids
    assert bad not in ids


# --- exact round trip -----------------------------------------------------------------------

_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])
_ROWS = st.builds(
    Row,
    id=st.just(0),
    i=st.none() | st.integers(-(2**63), 2**63 - 1),
    d=st.none()
    | st.decimals(min_value=-(10**30), max_value=10**30, places=20, allow_nan=False, allow_infinity=False),
    s=st.none() | st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=40),
    ts=st.none() | st.datetimes(datetime(1000, 1, 2), datetime(9999, 12, 30), timezones=_OFFSETS),
    b=st.none() | st.booleans(),
    x=st.none() | st.binary(max_size=64),
)
_EXTREMES = Row(0, -(2**63), Decimal("-12345678901234567890.12345678901234567890"), "", None, False, b"")
_MORE = Row(
    0, 2**63 - 1, Decimal("0.00000000000000000001"), "naïve 😀 中文", datetime.now(UTC), True, b"\x00\xff"
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=_ROWS)
@example(row=_EXTREMES)
@example(row=_MORE)
def test_values_round_trip_exactly(db: Harness, row: Row) -> None:
    row_id = next(_IDS) + 10_000_000
    fields = {f: getattr(row, f) for f in Row.__struct_fields__ if f != "id"}
    db.insert(id=row_id, **fields).unwrap()
    back = db.get(row_id)
    assert back == msgspec.structs.replace(row, id=row_id)
    assert back is not None
    if back.ts is not None:
        assert back.ts.utcoffset() == timedelta(0)
