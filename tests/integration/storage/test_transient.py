"""Transient failures, provoked for real, come back as retryable errors; a retry then works."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from spine.core.errors import DatabaseConnectionError, QueryError
from spine.storage.compiled import CompiledQuery, Paramstyle
from spine.storage.connect import connect
from spine.storage.connection import Connection
from tests.services import require

pytestmark = pytest.mark.integration


def _q(
    sql: str, *names: str, style: Paramstyle = Paramstyle.FORMAT, dialect: str = "postgres"
) -> CompiledQuery:
    return CompiledQuery(sql=sql, dialect=dialect, paramstyle=style, param_names=names)


def _wait_until_gone(killer: Connection, query: CompiledQuery, ident: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not killer.execute(query, {"id": ident}).unwrap().rows:
            return
        time.sleep(0.02)
    pytest.fail(f"session {ident} is still alive")


def test_postgres_terminated_backend_is_a_retryable_err_and_the_retry_works() -> None:
    url = require("postgres")
    conn = connect(f"{url}?pool_min=1&pool_max=1").unwrap()
    killer = connect(url).unwrap()
    try:
        pid = conn.execute(_q("SELECT pg_backend_pid()")).unwrap().scalar()
        assert isinstance(pid, int)
        killer.execute(_q("SELECT pg_terminate_backend(%s)", "pid"), {"pid": pid}).unwrap()
        _wait_until_gone(killer, _q("SELECT 1 FROM pg_stat_activity WHERE pid = %s", "id"), pid)

        error = conn.execute(_q("SELECT 1")).failure()
        assert isinstance(error, DatabaseConnectionError)
        assert error.retryable
        assert conn.execute(_q("SELECT 1")).unwrap().scalar() == 1
    finally:
        conn.close()
        killer.close()


def test_postgres_connection_killed_inside_a_transaction_dooms_it() -> None:
    url = require("postgres")
    conn = connect(f"{url}?pool_min=1&pool_max=1").unwrap()
    killer = connect(url).unwrap()
    try:
        with conn.transaction() as tx:
            pid = conn.execute(_q("SELECT pg_backend_pid()")).unwrap().scalar()
            assert isinstance(pid, int)
            killer.execute(_q("SELECT pg_terminate_backend(%s)", "pid"), {"pid": pid}).unwrap()
            _wait_until_gone(killer, _q("SELECT 1 FROM pg_stat_activity WHERE pid = %s", "id"), pid)
            assert conn.execute(_q("SELECT 1")).failure().retryable
        assert isinstance(tx.outcome.failure(), DatabaseConnectionError)
        assert conn.execute(_q("SELECT 1")).unwrap().scalar() == 1
    finally:
        conn.close()
        killer.close()


def test_mariadb_killed_connection_is_a_retryable_err_and_the_retry_reconnects() -> None:
    url = require("mariadb")
    conn = connect(url).unwrap()
    killer = connect(url).unwrap()
    try:
        ident = conn.execute(_q("SELECT CONNECTION_ID()", dialect="mysql")).unwrap().scalar()
        assert isinstance(ident, int)
        killer.execute(_q("KILL %s", "id", dialect="mysql"), {"id": ident}).unwrap()
        _wait_until_gone(
            killer,
            _q("SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = %s", "id", dialect="mysql"),
            ident,
        )

        error = conn.execute(_q("SELECT 1", dialect="mysql")).failure()
        assert isinstance(error, DatabaseConnectionError), error
        assert error.retryable
        again = conn.execute(_q("SELECT @@session.time_zone, CONNECTION_ID()", dialect="mysql")).unwrap()
        zone, new_ident = again.rows[0]
        assert zone == "+00:00"  # session settings hold after the reconnect
        assert new_ident != ident
    finally:
        conn.close()
        killer.close()


def test_sqlite_locked_database_is_a_retryable_err(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locked.db'}?busy_timeout=0.05"
    holder = connect(url).unwrap()
    waiter = connect(url).unwrap()
    create = _q("CREATE TABLE t (id INTEGER PRIMARY KEY)", style=Paramstyle.QMARK, dialect="sqlite")
    insert = _q("INSERT INTO t (id) VALUES (?)", "id", style=Paramstyle.QMARK, dialect="sqlite")
    try:
        holder.execute(create).unwrap()
        with holder.transaction() as held:
            holder.execute(insert, {"id": 1}).unwrap()
            error = waiter.execute(insert, {"id": 2}).failure()
            assert isinstance(error, QueryError)
            assert error.retryable
            assert error.sqlstate == "SQLITE_BUSY"
            with waiter.transaction() as blocked:
                pass
            assert blocked.outcome.failure().retryable
        assert held.outcome.unwrap() is True
        assert waiter.execute(insert, {"id": 2}).unwrap().rowcount == 1
    finally:
        holder.close()
        waiter.close()
