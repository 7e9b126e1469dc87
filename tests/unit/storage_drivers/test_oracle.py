"""OracleConnection against an in-process fake of python-oracledb's connection and cursor.

No server runs here: these tests pin binding (named, numeric, out-binds), value
conversion, transaction control and error classification at the driver boundary. The
fake raises real ``oracledb`` exception classes, built the way the driver builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import oracledb
import pytest
from returns.result import Success

from spine.core.errors import DatabaseConnectionError, IntegrityError, QueryError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import ParameterError
from spine.storage.drivers.oracle import OracleConnection, OracleDialect, OracleVarLike


@dataclass
class Reply:
    description: list[tuple[str, ...]] | None = None
    rows: list[tuple[SqlValue, ...]] = field(default_factory=list)
    rowcount: int = 0
    returning: list[list[SqlValue]] = field(default_factory=list)


class FakeVar:
    def __init__(self, typ: type) -> None:
        self.typ = typ
        self.value: object = None

    def getvalue(self, pos: int = 0, /) -> object:
        return self.value


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn
        self.description: list[tuple[str, ...]] | None = None
        self.rowcount = 0
        self._rows: list[tuple[SqlValue, ...]] = []

    def _next(self) -> Reply:
        reply = self.conn.script.pop(0) if self.conn.script else Reply()
        if isinstance(reply, Exception):
            raise reply
        return reply

    def execute(
        self,
        statement: str,
        parameters: list[object] | dict[str, object],
        /,
        *,
        fetch_lobs: bool,
        fetch_decimals: bool,
    ) -> object:
        self.conn.calls.append(("execute", statement, parameters, (fetch_lobs, fetch_decimals)))
        reply = self._next()
        values = parameters.values() if isinstance(parameters, dict) else parameters
        outs = [v for v in values if isinstance(v, FakeVar)]
        for var, returned in zip(outs, reply.returning, strict=False):
            var.value = returned
        self.description, self._rows, self.rowcount = reply.description, reply.rows, reply.rowcount
        return None

    def executemany(self, statement: str, parameters: list[object], /) -> object:
        self.conn.calls.append(("executemany", statement, parameters, None))
        self.rowcount = self._next().rowcount
        return None

    def var(self, typ: type, /) -> OracleVarLike:
        return FakeVar(typ)

    def fetchall(self) -> list[tuple[SqlValue, ...]]:
        return self._rows

    def close(self) -> None:
        self.conn.cursors_closed += 1


class FakeConnection:
    def __init__(self, script: list[Reply | Exception]) -> None:
        self.script = script
        self.calls: list[tuple[str, str, object, object]] = []
        self.autocommit = True
        self.log: list[str] = []
        self.cursors_closed = 0
        self.closed = False
        self.commit_error: Exception | None = None

    @property
    def version(self) -> str:
        return "23.4.0.24.5"

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def commit(self) -> None:
        if self.commit_error is not None:
            raise self.commit_error
        self.log.append(f"commit(autocommit={self.autocommit})")

    def rollback(self) -> None:
        self.log.append(f"rollback(autocommit={self.autocommit})")

    def close(self) -> None:
        self.closed = True


class Factory:
    def __init__(self, *scripts: list[Reply | Exception]) -> None:
        self.scripts = list(scripts)
        self.made: list[FakeConnection] = []

    def __call__(self) -> FakeConnection:
        conn = FakeConnection(self.scripts.pop(0) if self.scripts else [])
        self.made.append(conn)
        return conn


def _autocommit(conn: FakeConnection) -> bool:
    return conn.autocommit  # through a call, so the type checker does not narrow it


def _session(
    *scripts: list[Reply | Exception], out_types: dict[str, type] | None = None
) -> tuple[OracleConnection, Factory]:
    factory = Factory(*scripts)
    session = OracleConnection(OracleDialect(factory, password="s3cret", out_types=out_types))
    return session, factory


def _q(
    sql: str, *names: str, style: Paramstyle = Paramstyle.NAMED, outs: tuple[str, ...] = ()
) -> CompiledQuery:
    return CompiledQuery(sql=sql, dialect="oracle", paramstyle=style, param_names=names, out_binds=outs)


def test_named_binding_passes_a_dict_and_asks_for_exact_values() -> None:
    session, factory = _session([Reply(rowcount=1)])
    result = session.execute(_q("UPDATE t SET v = :v WHERE k = :k", "v", "k"), {"k": 1, "v": "x", "extra": 0})
    assert result.unwrap().rowcount == 1
    (_, sql, params, flags) = factory.made[0].calls[0]
    assert sql == "UPDATE t SET v = :v WHERE k = :k"
    assert params == {"v": "x", "k": 1}
    assert flags == (False, True)  # fetch_lobs=False, fetch_decimals=True
    assert session.dialect == "oracle"
    assert session.server_version == "23.4.0.24.5"


def test_numeric_binding_follows_param_names_order_with_repeats() -> None:
    session, factory = _session([Reply()])
    session.execute(
        _q("SELECT :1, :2, :3 FROM dual", "b", "a", "b", style=Paramstyle.NUMERIC), {"a": 1, "b": 2}
    ).unwrap()
    assert factory.made[0].calls[0][2] == [2, 1, 2]


def test_out_binds_become_rows_and_out() -> None:
    reply = Reply(rowcount=2, returning=[[Decimal(7), Decimal(8)], ["a", "b"]])
    session, factory = _session([reply], out_types={"id": int})
    query = _q(
        "INSERT INTO t (v) VALUES (:v) RETURNING id, code INTO :id, :code",
        "v",
        "id",
        "code",
        outs=("id", "code"),
    )
    rows = session.execute(query, {"v": "x"}).unwrap()
    assert rows.columns == ("id", "code")
    assert rows.rows == ((7, "a"), (8, "b"))
    assert dict(rows.out) == {"id": 7, "code": "a"}
    params = factory.made[0].calls[0][2]
    assert isinstance(params, dict)
    assert params["v"] == "x"
    assert isinstance(params["id"], FakeVar)
    assert params["id"].typ is int
    assert isinstance(params["code"], FakeVar)
    assert params["code"].typ is str


def test_numeric_out_binds_take_their_place() -> None:
    session, factory = _session([Reply(rowcount=1, returning=[[5]])])
    query = _q(
        "INSERT INTO t (v) VALUES (:1) RETURNING id INTO :2",
        "v",
        "id",
        style=Paramstyle.NUMERIC,
        outs=("id",),
    )
    assert session.execute(query, {"v": "x"}).unwrap().out == {"id": 5}
    params = factory.made[0].calls[0][2]
    assert isinstance(params, list)
    assert params[0] == "x"
    assert isinstance(params[1], FakeVar)


def test_an_in_bind_and_an_out_bind_may_share_a_name() -> None:
    # What the compiler emits for DELETE ... WHERE id = :id RETURNING id: ("id", "id").
    session, factory = _session([Reply(rowcount=1, returning=[[7]])])
    query = _q(
        "DELETE FROM t WHERE id = :1 RETURNING id INTO :2", "id", "id", style=Paramstyle.NUMERIC, outs=("id",)
    )
    assert session.execute(query, {"id": 7}).unwrap().out == {"id": 7}
    params = factory.made[0].calls[0][2]
    assert isinstance(params, list)
    assert params[0] == 7
    assert isinstance(params[1], FakeVar)


def test_no_returned_rows_gives_empty_out() -> None:
    session, _ = _session([Reply(rowcount=0, returning=[[]])])
    query = _q("UPDATE t SET v = 1 WHERE k = :k RETURNING id INTO :id", "k", "id", outs=("id",))
    rows = session.execute(query, {"k": 1}).unwrap()
    assert (rows.rows, dict(rows.out)) == ((), {})


def test_values_are_converted_both_ways() -> None:
    naive_utc = datetime(2024, 1, 1, 10, 0)
    reply = Reply(
        description=[("ID",), ("Name",), ("AMOUNT",), ("AT",)],
        rows=[(Decimal(3), "x", Decimal("1.50"), naive_utc)],
    )
    session, factory = _session([reply])
    at = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    query = _q('SELECT id, "Name", amount, at FROM t WHERE f = :f AND at = :at', "f", "at")
    rows = session.execute(query, {"f": True, "at": at}).unwrap()
    assert factory.made[0].calls[0][2] == {"f": 1, "at": naive_utc}
    assert rows.columns == ("id", "Name", "amount", "at")
    assert rows.rows == ((3, "x", Decimal("1.50"), naive_utc.replace(tzinfo=UTC)),)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"v": ""}, "v"), ({"v": datetime(2024, 1, 1)}, "v"), ({}, "v")],
)
def test_bad_parameters_never_reach_the_driver(params: dict[str, SqlValue], field: str) -> None:
    session, factory = _session()
    error = session.execute(_q("INSERT INTO t (v) VALUES (:v)", "v"), params).failure()
    assert isinstance(error, ParameterError)
    assert error.field == field
    assert factory.made == []


def test_wrong_paramstyle_is_refused() -> None:
    session, _ = _session()
    assert isinstance(
        session.execute(_q("SELECT 1 FROM dual", style=Paramstyle.QMARK)).failure(), ParameterError
    )


@pytest.mark.parametrize(
    ("exc", "kind", "code", "retryable"),
    [
        (
            oracledb.DatabaseError("ORA-00060: deadlock detected while waiting for resource"),
            QueryError,
            "ORA-00060",
            True,
        ),
        (
            oracledb.DatabaseError("ORA-08177: can't serialize access for this transaction"),
            QueryError,
            "ORA-08177",
            True,
        ),
        (
            oracledb.IntegrityError("ORA-00001: unique constraint (APP.PK_T) violated"),
            IntegrityError,
            "ORA-00001",
            False,
        ),
        (
            oracledb.IntegrityError("ORA-02291: integrity constraint violated - parent key not found"),
            IntegrityError,
            "ORA-02291",
            False,
        ),
        (oracledb.DatabaseError("ORA-00942: table or view does not exist"), QueryError, "ORA-00942", False),
        (
            oracledb.DatabaseError("ORA-03113: end-of-file on communication channel"),
            DatabaseConnectionError,
            "ORA-03113",
            True,
        ),
        (
            oracledb.OperationalError("DPY-4011: the database or network closed the connection"),
            DatabaseConnectionError,
            "DPY-4011",
            True,
        ),
        (
            oracledb.OperationalError("DPY-6005: cannot connect to database. ORA-12541: no listener"),
            DatabaseConnectionError,
            "DPY-6005",
            True,
        ),
        (oracledb.InterfaceError("something without a code"), QueryError, None, False),
    ],
)
def test_errors_are_classified(exc: oracledb.Error, kind: type, code: str | None, retryable: bool) -> None:
    session, _ = _session([exc])
    error = session.execute(_q("SELECT 1 FROM dual")).failure()
    assert type(error) is kind
    assert (error.sqlstate, error.retryable) == (code, retryable)
    assert error.context["dialect"] == "oracle"


def test_password_is_scrubbed_from_messages() -> None:
    session, _ = _session([oracledb.DatabaseError("ORA-01017: invalid credential s3cret")])
    assert "s3cret" not in session.execute(_q("SELECT 1 FROM dual")).failure().message


def test_a_lost_connection_reconnects_on_the_next_call() -> None:
    session, factory = _session(
        [oracledb.DatabaseError("ORA-03113: end-of-file on communication channel")], [Reply()]
    )
    assert session.execute(_q("SELECT 1 FROM dual")).failure().retryable
    assert factory.made[0].closed
    assert session.execute(_q("SELECT 1 FROM dual")) == Success(
        session.execute(_q("SELECT 1 FROM dual")).unwrap()
    )
    assert len(factory.made) == 2


def test_a_failing_factory_is_a_classified_err() -> None:
    def refuse() -> FakeConnection:
        message = "DPY-6005: cannot connect to database (s3cret)"
        raise oracledb.OperationalError(message)

    session = OracleConnection(OracleDialect(refuse, password="s3cret"))
    error = session.connect_now().failure()
    assert isinstance(error, DatabaseConnectionError)
    assert "s3cret" not in error.message


def test_transactions_switch_autocommit_and_use_savepoints() -> None:
    session, factory = _session([Reply(), Reply(), Reply(), Reply()])
    session.connect_now().unwrap()
    conn = factory.made[0]
    with session.transaction() as outer:
        assert _autocommit(conn) is False
        session.execute(_q("INSERT INTO t VALUES (1)")).unwrap()
        with session.transaction():
            session.execute(_q("INSERT INTO t VALUES (2)")).unwrap()
        with pytest.raises(RuntimeError), session.transaction():
            raise RuntimeError
    assert outer.outcome == Success(True)
    assert _autocommit(conn) is True
    statements = [sql for (_, sql, _, _) in conn.calls]
    assert statements == [
        "INSERT INTO t VALUES (1)",
        "SAVEPOINT spine_sp1",
        "INSERT INTO t VALUES (2)",
        "SAVEPOINT spine_sp1",
        "ROLLBACK TO SAVEPOINT spine_sp1",
    ]
    assert conn.log == ["commit(autocommit=False)"]


def test_failed_commit_rolls_back_and_restores_autocommit() -> None:
    session, factory = _session([Reply()])
    session.connect_now().unwrap()
    conn = factory.made[0]

    conn.commit_error = oracledb.DatabaseError("ORA-02091: transaction rolled back")
    with session.transaction() as tx:
        pass
    assert isinstance(tx.outcome.failure(), QueryError)
    assert _autocommit(conn) is True
    assert conn.log == ["rollback(autocommit=False)"]


def test_executemany_is_one_array_dml_call_in_a_transaction() -> None:
    session, factory = _session([Reply(rowcount=3)])
    query = _q("INSERT INTO t (a) VALUES (:a)", "a")
    assert session.executemany(query, [{"a": 1}, {"a": 2}, {"a": 3}]) == Success(3)
    conn = factory.made[0]
    assert conn.calls == [
        ("executemany", "INSERT INTO t (a) VALUES (:a)", [{"a": 1}, {"a": 2}, {"a": 3}], None)
    ]
    assert conn.log == ["commit(autocommit=False)"]


def test_executemany_failure_rolls_back() -> None:
    session, factory = _session([oracledb.IntegrityError("ORA-00001: unique constraint violated")])
    assert isinstance(
        session.executemany(_q("INSERT INTO t (a) VALUES (:a)", "a"), [{"a": 1}]).failure(), IntegrityError
    )
    assert factory.made[0].log == ["rollback(autocommit=False)"]


def test_lost_connection_inside_a_transaction_is_not_hidden_by_a_reconnect() -> None:
    session, factory = _session([oracledb.DatabaseError("ORA-03113: end-of-file"), Reply()], [Reply()])
    with session.transaction() as tx:
        assert isinstance(session.execute(_q("SELECT 1 FROM dual")).failure(), DatabaseConnectionError)
        assert session.execute(_q("SELECT 1 FROM dual")).failure().sqlstate == "25P02"
    assert isinstance(tx.outcome.failure(), DatabaseConnectionError)
    assert len(factory.made) == 1
    assert session.execute(_q("SELECT 1 FROM dual")).unwrap().rowcount == 0
    assert len(factory.made) == 2


def test_close_disconnects_and_later_calls_fail() -> None:
    session, factory = _session([Reply()])
    session.execute(_q("SELECT 1 FROM dual")).unwrap()
    session.close()
    session.close()
    assert factory.made[0].closed
    error = session.execute(_q("SELECT 1 FROM dual")).failure()
    assert isinstance(error, DatabaseConnectionError)
    assert not error.retryable
