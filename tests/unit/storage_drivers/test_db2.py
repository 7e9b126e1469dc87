"""Db2Connection against an in-process fake of ibm_db_dbi's connection and cursor.

The fake raises real ``ibm_db_dbi`` exception classes with the message shapes the Db2 CLI
produces (``SQLnnnnN ... SQLSTATE=xxxxx SQLCODE=-nnn``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import ibm_db_dbi
import pytest
from returns.result import Success

from spine.core.errors import DatabaseConnectionError, IntegrityError, QueryError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import ParameterError
from spine.storage.drivers.db2 import Db2Connection, Db2Dialect

type Reply = tuple[list[tuple[str, ...]] | None, list[tuple[SqlValue, ...]], int]


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn
        self.description: list[tuple[str, ...]] | None = None
        self.rowcount = -1
        self._rows: list[tuple[SqlValue, ...]] = []

    def _reply(self) -> None:
        reply = self.conn.script.pop(0) if self.conn.script else (None, [], 0)
        if isinstance(reply, Exception):
            raise reply
        self.description, self._rows, self.rowcount = reply

    def execute(self, operation: str, parameters: tuple[SqlValue, ...], /) -> object:
        self.conn.calls.append((operation, parameters))
        self._reply()
        return True

    def executemany(self, operation: str, seq_parameters: tuple[tuple[SqlValue, ...], ...], /) -> object:
        self.conn.calls.append((operation, seq_parameters))
        self._reply()
        return True

    def fetchall(self) -> list[tuple[SqlValue, ...]]:
        return self._rows

    def close(self) -> object:
        return True


class FakeConnection:
    def __init__(self, script: list[Reply | Exception]) -> None:
        self.script = script
        self.calls: list[tuple[str, object]] = []
        self.log: list[str] = []
        self.closed = False

    @property
    def dbms_ver(self) -> str:
        return "11.05.0900"

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def commit(self) -> object:
        self.log.append("commit")
        return True

    def rollback(self) -> object:
        self.log.append("rollback")
        return True

    def close(self) -> object:
        self.closed = True
        return True

    def set_autocommit(self, is_on: bool, /) -> object:
        self.log.append(f"autocommit={is_on}")
        return True


def _session(*scripts: list[Reply | Exception]) -> tuple[Db2Connection, list[FakeConnection]]:
    made: list[FakeConnection] = []
    pending = list(scripts)

    def factory() -> FakeConnection:
        made.append(FakeConnection(pending.pop(0) if pending else []))
        return made[-1]

    return Db2Connection(Db2Dialect(factory, password="s3cret")), made


def _q(sql: str, *names: str, style: Paramstyle = Paramstyle.QMARK) -> CompiledQuery:
    return CompiledQuery(sql=sql, dialect="db2", paramstyle=style, param_names=names)


def test_qmark_binding_and_value_conversion() -> None:
    naive = datetime(2024, 1, 1, 10, 0)
    reply: Reply = ([("ID",), ("AMOUNT",), ("AT",), ("mixedCase",)], [(1, Decimal("2.50"), naive, "x")], 1)
    session, made = _session([reply])
    at = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    query = _q(
        'SELECT id, amount, at, "mixedCase" FROM t WHERE ok = ? AND at = ? AND id = ?', "ok", "at", "id"
    )
    rows = session.execute(query, {"ok": True, "at": at, "id": 1}).unwrap()
    assert made[0].calls == [(query.sql, (1, naive, 1))]
    assert rows.columns == ("id", "amount", "at", "mixedCase")
    assert rows.rows == ((1, Decimal("2.50"), naive.replace(tzinfo=UTC), "x"),)
    assert (session.dialect, session.server_version) == ("db2", "11.05.0900")


def test_final_table_inserts_return_their_keys_as_rows() -> None:
    session, _ = _session([([("ID",)], [(41,)], 1)])
    query = _q("SELECT id FROM FINAL TABLE (INSERT INTO t (v) VALUES (?))", "v")
    assert session.execute(query, {"v": "x"}).unwrap().first_as(dict) == Success({"id": 41})


def test_missing_parameter_and_wrong_style_never_reach_the_driver() -> None:
    session, made = _session()
    assert isinstance(session.execute(_q("SELECT ? FROM t", "a"), {}).failure(), ParameterError)
    assert isinstance(session.execute(_q("SELECT 1", style=Paramstyle.FORMAT)).failure(), ParameterError)
    assert made == []


_DEADLOCK = (
    "[IBM][CLI Driver][DB2/LINUXX8664] SQL0911N  The current transaction has been rolled back because of a "
    'deadlock or timeout.  Reason code "2".  SQLSTATE=40001 SQLCODE=-911'
)


@pytest.mark.parametrize(
    ("exc", "kind", "sqlstate", "retryable"),
    [
        (ibm_db_dbi.Error(_DEADLOCK), QueryError, "40001", True),
        (ibm_db_dbi.Error(_DEADLOCK.replace('"2"', '"68"')), QueryError, "40001", True),
        (
            ibm_db_dbi.Error(
                "SQL0913N  Unsuccessful execution caused by deadlock or timeout. SQLSTATE=57033 SQLCODE=-913"
            ),
            QueryError,
            "57033",
            True,
        ),
        (
            ibm_db_dbi.IntegrityError(
                "SQL0803N  One or more values in the INSERT statement ... SQLSTATE=23505 SQLCODE=-803"
            ),
            IntegrityError,
            "23505",
            False,
        ),
        (
            ibm_db_dbi.Error(
                "SQL0530N  The INSERT or UPDATE value of the FOREIGN KEY ... SQLSTATE=23503 SQLCODE=-530"
            ),
            IntegrityError,
            "23503",
            False,
        ),
        (
            ibm_db_dbi.OperationalError(
                "SQL30081N  A communication error has been detected. SQLSTATE=08001 SQLCODE=-30081"
            ),
            DatabaseConnectionError,
            "08001",
            True,
        ),
        (
            ibm_db_dbi.Error("[IBM][CLI Driver] SQL30081N  A communication error has been detected."),
            DatabaseConnectionError,
            None,
            True,
        ),
        (
            ibm_db_dbi.ProgrammingError(
                'SQL0204N  "APP.NOPE" is an undefined name.  SQLSTATE=42704 SQLCODE=-204'
            ),
            QueryError,
            "42704",
            False,
        ),
        (ibm_db_dbi.Error("Statement Execute Failed: something odd"), QueryError, None, False),
    ],
)
def test_errors_are_classified_by_sqlstate_and_sqlcode(
    exc: ibm_db_dbi.Error, kind: type, sqlstate: str | None, retryable: bool
) -> None:
    session, _ = _session([exc])
    error = session.execute(_q("SELECT 1 FROM SYSIBM.SYSDUMMY1")).failure()
    assert type(error) is kind
    assert (error.sqlstate, error.retryable) == (sqlstate, retryable)
    assert not error.message.startswith("ibm_db_dbi::")


def test_password_is_scrubbed() -> None:
    session, _ = _session(
        [ibm_db_dbi.Error("SQL30082N  Security processing failed PWD=s3cret SQLSTATE=08001")]
    )
    assert "s3cret" not in session.execute(_q("SELECT 1")).failure().message


def test_transactions_toggle_autocommit_and_use_db2_savepoints() -> None:
    session, made = _session([])
    with session.transaction() as tx:
        session.execute(_q("INSERT INTO t VALUES (1)")).unwrap()
        with pytest.raises(RuntimeError), session.transaction():
            raise RuntimeError
        with session.transaction():
            pass
    assert tx.outcome == Success(True)
    conn = made[0]
    assert [sql for sql, _ in conn.calls] == [
        "INSERT INTO t VALUES (1)",
        "SAVEPOINT spine_sp1 ON ROLLBACK RETAIN CURSORS",
        "ROLLBACK TO SAVEPOINT spine_sp1",
        "SAVEPOINT spine_sp1 ON ROLLBACK RETAIN CURSORS",
        "RELEASE SAVEPOINT spine_sp1",
    ]
    assert conn.log == ["autocommit=False", "commit", "autocommit=True"]


def test_executemany_passes_a_tuple_of_tuples() -> None:
    session, made = _session([(None, [], 2)])
    query = _q("INSERT INTO t (a, b) VALUES (?, ?)", "a", "b")
    assert session.executemany(query, [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]) == Success(2)
    assert made[0].calls[0] == (query.sql, ((1, "x"), (2, "y")))


def test_a_lost_connection_reconnects_on_the_next_call() -> None:
    lost = ibm_db_dbi.Error(
        "SQL30081N  A communication error has been detected. SQLSTATE=08001 SQLCODE=-30081"
    )
    session, made = _session([lost], [])
    assert session.execute(_q("SELECT 1")).failure().retryable
    assert made[0].closed
    assert session.execute(_q("SELECT 1")).unwrap().rowcount == 0
    assert len(made) == 2
