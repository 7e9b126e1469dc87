"""The session machinery the single-connection DB-API interpreters share (MySQL, Oracle, Db2).

Theory of operation
-------------------
A session owns at most one driver connection, made by a factory. Every driver call goes
through a :class:`Dialect` (the driver module's profile: how to connect, bind, run,
begin/commit, and which exceptions are its own), and every exception the profile declares
is turned into a ``DatabaseError`` here; nothing else is caught.

When a failure is classified ``DatabaseConnectionError`` the connection is dropped; the
next call made outside a transaction connects again through the factory, so a retry after
"server has gone away" can succeed. Inside a transaction a lost connection dooms the
block (the work is gone with the session) and is not hidden by reconnecting.

Outside ``transaction()`` the driver connection is in autocommit mode, so a statement is
its own transaction in one round trip; ``Dialect.begin`` leaves that mode (MySQL sends
BEGIN; Oracle and Db2 switch the client's autocommit off), ``commit``/``rollback`` return
to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, suppress
from typing import Protocol, final

from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseConnectionError, DatabaseError
from spine.storage.compiled import CompiledQuery, SqlValue
from spine.storage.connection import NO_PARAMS, ParameterError, Params, Rows, Transaction
from spine.storage.drivers._scope import Scopes

__all__ = ["Args", "DbapiSession", "Dialect"]

type Args = tuple[SqlValue, ...] | dict[str, SqlValue]
"""Bound parameters: positional, or by name (Oracle ``named`` paramstyle)."""


class Dialect[C](Protocol):
    """One driver's profile. Methods other than ``bind``/``classify`` may raise ``errors``."""

    @property
    def name(self) -> str:
        """The dialect's name (``mysql``, ``oracle``, ``db2``)."""
        ...

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's exception classes: the only exceptions the session catches."""
        ...

    def connect(self) -> C:
        """A new driver connection, in autocommit mode."""
        ...

    def disconnect(self, conn: C, /) -> None:
        """Close a driver connection."""
        ...

    def version(self, conn: C, /) -> str:
        """The server version string."""
        ...

    def bind(self, query: CompiledQuery, params: Params, /) -> Args | ParameterError:
        """The driver's arguments for ``params``, or why they are wrong."""
        ...

    def run(self, conn: C, query: CompiledQuery, args: Args, /) -> Rows:
        """Execute once and collect the result."""
        ...

    def run_many(self, conn: C, query: CompiledQuery, batch: Sequence[Args], /) -> int:
        """Execute once per argument set; the rows affected."""
        ...

    def control(self, conn: C, action: str, savepoint: str | None, /) -> None:
        """Run one transaction-control action.

        ``action`` is ``begin``, ``commit``, ``rollback``, ``savepoint``, ``release`` or
        ``rollback_to``; the last three name a ``savepoint``.
        """
        ...

    def classify(self, exc: Exception, /) -> DatabaseError:
        """The ``DatabaseError`` for one of ``errors`` (passwords already scrubbed)."""
        ...


def _closed() -> DatabaseError:
    return DatabaseConnectionError("the connection is closed", sqlstate="08003", retryable=False)


@final
class _Ops[C]:
    __slots__ = ("_session",)

    def __init__(self, session: DbapiSession[C]) -> None:
        self._session = session

    def begin(self) -> DatabaseError | None:
        return self._session.control("begin", None, reconnect=True)

    def commit(self) -> DatabaseError | None:
        return self._session.control("commit", None)

    def rollback(self) -> DatabaseError | None:
        return self._session.control("rollback", None)

    def savepoint(self, name: str, /) -> DatabaseError | None:
        return self._session.control("savepoint", name)

    def release(self, name: str, /) -> DatabaseError | None:
        return self._session.control("release", name)

    def rollback_to(self, name: str, /) -> DatabaseError | None:
        return self._session.control("rollback_to", name)


class DbapiSession[C]:
    """``Connection`` over one DB-API connection described by a :class:`Dialect`."""

    __slots__ = ("_closed", "_conn", "_dialect", "_scopes", "_version")

    def __init__(self, dialect: Dialect[C]) -> None:
        """Build a session; it connects on first use (or :meth:`connect_now`)."""
        self._dialect = dialect
        self._conn: C | None = None
        self._closed = False
        self._version = ""
        self._scopes = Scopes(_Ops(self))

    @property
    def dialect(self) -> str:
        """The SQL dialect's name."""
        return self._dialect.name

    @property
    def server_version(self) -> str:
        """The server version, once connected."""
        return self._version

    def connect_now(self) -> Result[None, DatabaseError]:
        """Connect now instead of on first use (``connect()`` calls this)."""
        found = self._connection(reconnect=True)
        return Failure(found) if isinstance(found, DatabaseError) else Success(None)

    def _connection(self, *, reconnect: bool) -> C | DatabaseError:
        if self._closed:
            return _closed()
        if self._conn is not None:
            return self._conn
        if not reconnect:
            return DatabaseConnectionError("the connection was lost inside this transaction")
        try:
            conn = self._dialect.connect()
            self._version = self._version or self._dialect.version(conn)
        except self._dialect.errors as exc:
            return self._dialect.classify(exc)
        self._conn = conn
        return conn

    def _failed(self, exc: Exception) -> DatabaseError:
        error = self._dialect.classify(exc)
        if isinstance(error, DatabaseConnectionError) and self._conn is not None:
            conn, self._conn = self._conn, None
            with suppress(*self._dialect.errors):  # it is already gone; closing only tidies up
                self._dialect.disconnect(conn)
        return error

    def control(self, action: str, savepoint: str | None, *, reconnect: bool = False) -> DatabaseError | None:
        """Run one transaction-control action; its error, or None."""
        conn = self._connection(reconnect=reconnect)
        if isinstance(conn, DatabaseError):
            return conn
        try:
            self._dialect.control(conn, action, savepoint)
        except self._dialect.errors as exc:
            return self._failed(exc)
        return None

    def execute(self, query: CompiledQuery, params: Params = NO_PARAMS, /) -> Result[Rows, DatabaseError]:
        """Run one statement (see the port)."""
        args = self._dialect.bind(query, params)
        if isinstance(args, ParameterError):
            return Failure(args)
        scopes = self._scopes
        refusal = scopes.refusal()
        if refusal is not None:
            return Failure(refusal)
        conn = self._connection(reconnect=not scopes.active)
        if isinstance(conn, DatabaseError):
            scopes.record(conn)
            return Failure(conn)
        try:
            return Success(self._dialect.run(conn, query, args))
        except self._dialect.errors as exc:
            error = self._failed(exc)
            scopes.record(error)
            return Failure(error)

    def executemany(self, query: CompiledQuery, rows: Sequence[Params], /) -> Result[int, DatabaseError]:
        """Run one statement per parameter mapping, all or nothing (see the port)."""
        batch: list[Args] = []
        for params in rows:
            args = self._dialect.bind(query, params)
            if isinstance(args, ParameterError):
                return Failure(args)
            batch.append(args)
        count = -1
        with self._scopes.scope() as tx:
            conn = self._connection(reconnect=False)
            if self._scopes.refusal() is None and not isinstance(conn, DatabaseError):
                try:
                    count = self._dialect.run_many(conn, query, batch) if batch else 0
                except self._dialect.errors as exc:
                    self._scopes.record(self._failed(exc))
        return tx.outcome.map(lambda _: count)

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction (outermost) or a savepoint (nested)."""
        return self._scopes.scope()

    def close(self) -> None:
        """Close the connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._scopes.reset()
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(*self._dialect.errors):  # a dead connection has nothing left to release
                self._dialect.disconnect(conn)
