"""``PostgresConnection``: the ``Connection`` port over psycopg 3 and a ``psycopg_pool`` pool.

Theory of operation
-------------------
The pool's connections run in autocommit mode with ``TimeZone=UTC``. A call outside
``transaction()`` borrows a connection for that one statement (its own transaction);
``transaction()`` pins one connection to the calling thread until the outermost block
ends, and nested blocks are savepoints on it. So one ``PostgresConnection`` may be shared
by threads: each thread's transaction has its own server session.

psycopg prepares a statement server-side after ``prepare_threshold`` executions (default
5; ``?prepare_threshold=none`` behind PgBouncer in transaction mode). Types: ``json``,
``jsonb`` and ``uuid`` load as text (spine encodes JSON itself; ``SqlValue`` has no dict),
``timestamp`` without zone loads as UTC, ``timestamptz`` in UTC.

A broken connection is classified ``DatabaseConnectionError`` (retryable) and the pool
discards it when it comes back, so a retry gets a fresh one. Failing to fill the pool at
open time is a ``DatabaseConnectionError`` too: never a fallback to anything else.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Final, final

import psycopg
import psycopg_pool
from psycopg.abc import Buffer
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow
from psycopg.types.datetime import TimestampLoader
from psycopg.types.string import TextLoader
from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseConnectionError, DatabaseError, QueryError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import NO_PARAMS, ParameterError, Params, Rows, Transaction, bind_args
from spine.storage.drivers._scope import Scopes
from spine.storage.drivers._values import NATIVE_TYPES, naive_error
from spine.storage.drivers.errors import POSTGRES_SQLSTATES, FailureKind, by_sqlstate, database_error, scrub
from spine.storage.url import DatabaseUrl

__all__ = ["PostgresConnection", "open_postgres"]

_DIALECT: Final = "postgres"
# Refusals at connect time that do pass: the server is starting, stopping or full.
_PASSING: Final = ("starting up", "shutting down", "in recovery", "too many", "remaining connection slots")
type _Conn = psycopg.Connection[TupleRow]


class _UtcTimestampLoader(TimestampLoader):
    """``timestamp`` (without time zone) values are UTC instants in spine's schemas."""

    def load(self, data: Buffer) -> datetime:
        return super().load(data).replace(tzinfo=UTC)


def _sql(query: CompiledQuery) -> bytes:
    # psycopg types str queries as LiteralString; the compiler's output is trusted SQL built
    # from its own AST, and bytes are psycopg's other accepted query type.
    return query.sql.encode()


def _configure(conn: _Conn) -> None:
    for name in ("json", "jsonb", "uuid"):
        conn.adapters.register_loader(name, TextLoader)
    conn.adapters.register_loader("timestamp", _UtcTimestampLoader)


def _classify(exc: psycopg.Error, password: str | None) -> DatabaseError:
    sqlstate = exc.sqlstate
    kind = by_sqlstate(sqlstate, POSTGRES_SQLSTATES)
    if kind is None:
        if sqlstate is None and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            kind = FailureKind.CONNECTION  # connection lost / refused / pool exhausted: no SQLSTATE
        elif isinstance(exc, psycopg.IntegrityError):
            kind = FailureKind.INTEGRITY
        else:
            kind = FailureKind.QUERY
    message = scrub(str(exc).strip(), password)
    error = database_error(kind, message, sqlstate=sqlstate, dialect=_DIALECT)
    if kind is FailureKind.CONNECTION and "FATAL:" in message and not any(p in message for p in _PASSING):
        # The server answered and refused (bad password, unknown role or database):
        # trying again will not change its mind.
        return error.with_retryable(retryable=False)
    return error


def _checked(query: CompiledQuery, params: Params) -> tuple[SqlValue, ...] | DatabaseError:
    if query.paramstyle is not Paramstyle.FORMAT:
        return ParameterError(
            f"query compiled for paramstyle {query.paramstyle.value!r}; psycopg takes 'format'",
            field="paramstyle",
            value=query.paramstyle.value,
            constraint="format",
        )
    args = bind_args(query, params)
    if isinstance(args, tuple) and not NATIVE_TYPES.issuperset(map(type, args)):
        for index, value in enumerate(args):
            if isinstance(value, datetime) and value.utcoffset() is None:
                return naive_error(query, index, value)
    return args


def _rows(cursor: psycopg.Cursor[TupleRow]) -> Rows:
    description = cursor.description
    if description is None:
        return Rows(rowcount=cursor.rowcount)
    rows = cursor.fetchall()
    return Rows(columns=tuple([d.name for d in description]), rows=tuple(rows), rowcount=len(rows))


@final
class _Ops:
    """Transaction control on one pinned connection (or the error that prevented pinning)."""

    __slots__ = ("_conn", "_failure", "_password")

    def __init__(self, conn: _Conn | None, failure: DatabaseError | None, password: str | None) -> None:
        self._conn = conn
        self._failure = failure
        self._password = password

    def _run(self, sql: str) -> DatabaseError | None:
        if self._conn is None:
            return self._failure or QueryError("no connection")
        try:
            self._conn.execute(sql.encode())
        except psycopg.Error as exc:
            return _classify(exc, self._password)
        return None

    def begin(self) -> DatabaseError | None:
        return self._run("BEGIN")

    def commit(self) -> DatabaseError | None:
        if self._conn is not None and self._conn.info.transaction_status == TransactionStatus.INERROR:
            # PostgreSQL answers COMMIT in a failed transaction with ROLLBACK, not an error.
            self._run("ROLLBACK")
            return QueryError("the transaction was aborted by an earlier error", sqlstate="25P02")
        return self._run("COMMIT")

    def rollback(self) -> DatabaseError | None:
        return self._run("ROLLBACK")

    def savepoint(self, name: str, /) -> DatabaseError | None:
        return self._run(f"SAVEPOINT {name}")

    def release(self, name: str, /) -> DatabaseError | None:
        return self._run(f"RELEASE SAVEPOINT {name}")

    def rollback_to(self, name: str, /) -> DatabaseError | None:
        return self._run(f"ROLLBACK TO SAVEPOINT {name}") or self._run(f"RELEASE SAVEPOINT {name}")


@final
class _Pin:
    __slots__ = ("conn", "scopes")

    def __init__(self, conn: _Conn | None, scopes: Scopes) -> None:
        self.conn = conn
        self.scopes = scopes


@final
class PostgresConnection:
    """``Connection`` over a psycopg connection pool; safe to share between threads."""

    __slots__ = ("_closed", "_local", "_password", "_pool", "_version")

    def __init__(self, pool: psycopg_pool.ConnectionPool[_Conn], *, password: str | None = None) -> None:
        """Wrap an open pool whose connections are autocommit (see :func:`open_postgres`)."""
        self._pool = pool
        self._password = password
        self._local = threading.local()
        self._closed = False
        self._version = ""

    @property
    def dialect(self) -> str:
        """``"postgres"``."""
        return _DIALECT

    @property
    def server_version(self) -> str:
        """The server version number as text (for example ``"150020"``), once known."""
        if not self._version and not self._closed:
            try:
                with self._pool.connection() as conn:
                    self._version = str(conn.info.server_version)
            except psycopg.Error:
                return ""
        return self._version

    def _pin(self) -> _Pin | None:
        pin: _Pin | None = getattr(self._local, "pin", None)
        return pin

    def execute(  # noqa: PLR0911 - one exit per failure
        self, query: CompiledQuery, params: Params = NO_PARAMS, /
    ) -> Result[Rows, DatabaseError]:
        """Run one statement (see the port)."""
        if self._closed:
            return Failure(_closed())
        args = _checked(query, params)
        if not isinstance(args, tuple):
            return Failure(args)
        pin = self._pin()
        if pin is not None:
            refusal = pin.scopes.refusal()
            if refusal is not None or pin.conn is None:
                return Failure(refusal or QueryError("no connection"))
            try:
                return Success(_rows(pin.conn.execute(_sql(query), args)))
            except psycopg.Error as exc:
                error = _classify(exc, self._password)
                pin.scopes.record(error)
                return Failure(error)
        try:
            with self._pool.connection() as conn:
                return Success(_rows(conn.execute(_sql(query), args)))
        except psycopg.Error as exc:
            return Failure(_classify(exc, self._password))

    def executemany(self, query: CompiledQuery, rows: Sequence[Params], /) -> Result[int, DatabaseError]:
        """Run one statement per parameter mapping, all or nothing (see the port)."""
        if self._closed:
            return Failure(_closed())
        batch: list[tuple[SqlValue, ...]] = []
        for params in rows:
            args = _checked(query, params)
            if not isinstance(args, tuple):
                return Failure(args)
            batch.append(args)
        count = -1
        with self.transaction() as tx:
            pin = self._pin()
            if pin is not None and pin.conn is not None and pin.scopes.refusal() is None:
                try:
                    with pin.conn.cursor() as cursor:
                        cursor.executemany(_sql(query), batch)
                        count = cursor.rowcount
                except psycopg.Error as exc:
                    pin.scopes.record(_classify(exc, self._password))
        return tx.outcome.map(lambda _: count)

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction on a connection pinned to this thread, or a savepoint (nested)."""
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Generator[Transaction]:
        pin = self._pin()
        if pin is not None:
            with pin.scopes.scope() as tx:
                yield tx
            return
        conn: _Conn | None = None
        failure: DatabaseError | None = _closed() if self._closed else None
        if failure is None:
            try:
                conn = self._pool.getconn()
            except psycopg.Error as exc:
                failure = _classify(exc, self._password)
        pin = _Pin(conn, Scopes(_Ops(conn, failure, self._password)))
        self._local.pin = pin
        try:
            with pin.scopes.scope() as tx:
                yield tx
        finally:
            self._local.pin = None
            if conn is not None:
                self._pool.putconn(conn)

    def close(self) -> None:
        """Close the pool. Idempotent."""
        if not self._closed:
            self._closed = True
            self._pool.close()


def _closed() -> DatabaseError:
    return DatabaseConnectionError("the connection is closed", sqlstate="08003", retryable=False)


def open_postgres(url: DatabaseUrl) -> Result[PostgresConnection, DatabaseError]:
    """Open a pool for ``url`` and wait until ``pool_min`` connections are up (``timeout``)."""
    options = url.options
    password = url.password.reveal() if url.password is not None else None
    conninfo = make_conninfo(
        host=url.host,
        port=url.port or 5432,
        dbname=url.database,
        user=url.username,
        password=password,
        connect_timeout=max(1, round(options.timeout)),
        sslmode=options.sslmode,
        application_name=options.application_name or "spine",
        options="-c TimeZone=UTC",
    )
    try:
        # One direct connection first: it fails fast, with the server's own reason.
        psycopg.connect(conninfo, autocommit=True).close()
    except psycopg.Error as exc:
        return Failure(_classify(exc, password))
    pool: psycopg_pool.ConnectionPool[_Conn] = psycopg_pool.ConnectionPool(
        conninfo,
        min_size=max(options.pool_min, 1),
        max_size=options.pool_max,
        timeout=options.pool_timeout,
        kwargs={"autocommit": True, "prepare_threshold": options.prepare_threshold},
        configure=_configure,
        name=f"spine:{url.redacted()}",
        open=False,
    )
    try:
        pool.open(wait=True, timeout=options.timeout)
    except psycopg_pool.PoolTimeout:
        pool.close()
        return Failure(
            DatabaseConnectionError(f"cannot connect to {url.redacted()} within {options.timeout:g} s")
        )
    except psycopg.Error as exc:
        pool.close()
        return Failure(_classify(exc, password))
    return Success(PostgresConnection(pool, password=password))
