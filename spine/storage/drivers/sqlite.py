"""``SqliteConnection``: the ``Connection`` port over the standard library's sqlite3.

The embedded default, and the hot path: one cursor reused for every statement, no logging,
no per-call work beyond binding. The connection runs in true autocommit mode
(``autocommit=True``): a statement outside ``transaction()`` is its own transaction, with
no BEGIN/COMMIT round trip, and ``transaction()`` issues ``BEGIN IMMEDIATE`` (taking the
write lock up front, so ``busy_timeout`` applies instead of failing on lock upgrade).

Pragmas: ``page_size`` from the URL (a new file; default 2,048 bytes), ``journal_mode=WAL``
(files), ``synchronous=NORMAL``, ``foreign_keys=ON``, ``busy_timeout`` from the URL (default
5 s), ``wal_autocheckpoint`` from the URL (files; default 10,000 pages instead of SQLite's
1,000).

Why ``page_size`` and ``wal_autocheckpoint``. Every commit appends each page it changed,
whole, to the WAL; a checkpoint copies the WAL back into the database file and fsyncs both,
and the fsync of everything appended since the last one is most of its cost. A durable
workflow step changes about three and a half pages (its ledger event, the events' key index,
the run row), so the bytes it makes the disk write are proportional to the page size: with
2 KiB pages a step costs about 5 us less than with SQLite's 4 KiB default, measured over
many runs with their checkpoints (``bench/orchestration_durable.py``). Tables of large rows
(kilobytes) spill into overflow pages sooner; give such a database ``page_size=4096`` or
more. At SQLite's default checkpoint interval, small transactions pay for a checkpoint every
few hundred commits: measured, up to half of a durable step's time on a busy machine.
Durability is the same either way (WAL with ``synchronous=NORMAL``: a commit survives a
crash of the process, the last ones may roll back on power loss). The price of 10,000 pages:
a WAL file of up to about 20 MB, one commit in a few thousand that carries a checkpoint of
tens of milliseconds, and, after a crash, a longer recovery when the database is next
opened.

The write fast path: ``_write_all(batch)`` runs a few prepared statements in one transaction
of their own, all or nothing, without the cost of a ``transaction()`` scope (see
``spine.orchestration.run_store.WRITE_ALL``; durable workflow steps use it).

Types: parameters bind datetimes as fixed-width UTC text (``2024-01-02 03:04:05.000006+00:00``),
dates as ISO text and decimals as exact text. Results convert by declared column type
(converters are registered process-wide, replacing sqlite3's deprecated defaults):
``TIMESTAMP``/``TIMESTAMPTZ``/``DATETIME`` → aware UTC ``datetime`` (text without an offset,
as ``CURRENT_TIMESTAMP`` writes, is UTC), ``DATE`` → ``date``, ``BOOLEAN``/``BOOL`` →
``bool``, ``DECIMAL_TEXT`` (TEXT affinity) → ``Decimal``. Other columns come back as stored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final, final

from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseConnectionError, DatabaseError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import NO_PARAMS, ParameterError, Params, Rows, Transaction, bind_args
from spine.storage.drivers._scope import Scopes, doomed_error
from spine.storage.drivers._values import NATIVE_TYPES, aware_utc, to_sqlite
from spine.storage.drivers.errors import SQLITE_PRIMARY_CODES, FailureKind, database_error
from spine.storage.url import DatabaseUrl

__all__ = ["SqliteConnection", "open_sqlite"]

_DIALECT: Final = "sqlite"
_QMARK: Final = Paramstyle.QMARK


def _to_datetime(raw: bytes) -> datetime | str:
    text = raw.decode()
    try:
        return aware_utc(datetime.fromisoformat(text))
    except ValueError:
        return text


def _to_date(raw: bytes) -> date | str:
    text = raw.decode()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


def _to_bool(raw: bytes) -> bool | str:
    return {b"1": True, b"0": False}.get(raw, raw.decode())


def _to_decimal(raw: bytes) -> Decimal | str:
    text = raw.decode()
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _register_converters() -> None:
    for name in ("TIMESTAMP", "TIMESTAMPTZ", "DATETIME"):
        sqlite3.register_converter(name, _to_datetime)
    sqlite3.register_converter("DATE", _to_date)
    sqlite3.register_converter("BOOLEAN", _to_bool)
    sqlite3.register_converter("BOOL", _to_bool)
    sqlite3.register_converter("DECIMAL_TEXT", _to_decimal)


def _error(exc: sqlite3.Error | OverflowError) -> DatabaseError:
    if isinstance(exc, OverflowError):
        return ParameterError(f"value out of SQLite's 64-bit integer range: {exc}", constraint="int64")
    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(exc, sqlite3.IntegrityError):
        kind = FailureKind.INTEGRITY
    elif isinstance(code, int):
        kind = SQLITE_PRIMARY_CODES.get(code & 0xFF, FailureKind.QUERY)
    else:
        kind = FailureKind.QUERY
    return database_error(kind, str(exc), sqlstate=name, dialect=_DIALECT, driver_code=code)


def _closed() -> DatabaseError:
    return DatabaseConnectionError("the connection is closed", sqlstate="08003", retryable=False)


def _wrong_style(query: CompiledQuery) -> DatabaseError:
    return ParameterError(
        f"query compiled for paramstyle {query.paramstyle.value!r}; sqlite3 takes 'qmark'",
        field="paramstyle",
        value=query.paramstyle.value,
        constraint="qmark",
    )


@final
class _Ops:
    """Transaction control for one sqlite3 connection (one cursor, reused: no cursor per call)."""

    __slots__ = ("_cursor",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._cursor = conn.cursor()

    def _run(self, sql: str) -> DatabaseError | None:
        try:
            self._cursor.execute(sql)
        except sqlite3.Error as exc:
            return _error(exc)
        return None

    def begin(self) -> DatabaseError | None:
        return self._run("BEGIN IMMEDIATE")

    def commit(self) -> DatabaseError | None:
        return self._run("COMMIT")

    def rollback(self) -> DatabaseError | None:
        return self._run("ROLLBACK")

    def savepoint(self, name: str, /) -> DatabaseError | None:
        return self._run(f"SAVEPOINT {name}")

    def release(self, name: str, /) -> DatabaseError | None:
        return self._run(f"RELEASE {name}")

    def rollback_to(self, name: str, /) -> DatabaseError | None:
        return self._run(f"ROLLBACK TO {name}") or self._run(f"RELEASE {name}")


@final
class SqliteConnection:
    """``Connection`` over one sqlite3 connection. Use it from one thread (sqlite3 checks)."""

    __slots__ = ("_closed", "_conn", "_cursor", "_ops", "_scopes")

    def __init__(self, conn: sqlite3.Connection) -> None:
        """Wrap an open sqlite3 connection made by :func:`open_sqlite` (autocommit=True)."""
        self._conn = conn
        self._cursor = conn.cursor()
        self._ops = _Ops(conn)
        self._scopes = Scopes(self._ops)
        self._closed = False

    @property
    def dialect(self) -> str:
        """``"sqlite"``."""
        return _DIALECT

    @property
    def server_version(self) -> str:
        """The SQLite library version."""
        return sqlite3.sqlite_version

    def execute(self, query: CompiledQuery, params: Params = NO_PARAMS, /) -> Result[Rows, DatabaseError]:
        """Run one statement (see the port)."""
        if self._closed:
            return Failure(_closed())
        if query.paramstyle is not Paramstyle.QMARK:
            return Failure(_wrong_style(query))
        try:
            args = tuple([params[name] for name in query.param_names])
        except KeyError:
            missing = bind_args(query, params)
            return Failure(missing if isinstance(missing, ParameterError) else _closed())
        rows = self._fetch_rows(query, args)
        if isinstance(rows, DatabaseError):
            return Failure(rows)
        if rows is None:
            return Success(Rows(rowcount=self._cursor.rowcount))
        columns = tuple([d[0] for d in self._cursor.description])
        return Success(Rows(columns=columns, rows=tuple(rows), rowcount=len(rows)))

    def _fetch_rows(  # noqa: PLR0911 - one exit per failure keeps the hot path flat
        self, query: CompiledQuery, args: tuple[SqlValue, ...], /
    ) -> list[tuple[SqlValue, ...]] | DatabaseError | None:
        """``execute`` below the port (see ``FETCH_ROWS``): positional ``args``, bare rows.

        ``None`` means the statement has no result set. Everything ``execute`` decides after
        binding happens here, so both paths convert, refuse and fail alike.
        """
        if self._closed:
            return _closed()
        if query.paramstyle is not Paramstyle.QMARK:
            return _wrong_style(query)
        # Convert only what sqlite3 cannot bind as is (one type check per argument).
        for value in args:
            if type(value) not in NATIVE_TYPES:
                converted = to_sqlite(query, args)
                if isinstance(converted, ParameterError):
                    return converted
                args = converted
                break
        scopes = self._scopes
        if scopes.active:
            refusal = scopes.refusal()
            if refusal is not None:
                return refusal
        cursor = self._cursor
        try:
            cursor.execute(query.sql, args)
            if cursor.description is None:
                return None
            rows: list[tuple[SqlValue, ...]] = cursor.fetchall()
        except (sqlite3.Error, OverflowError) as exc:
            error = _error(exc)
            scopes.record(error)
            return error
        return rows

    def executemany(self, query: CompiledQuery, rows: Sequence[Params], /) -> Result[int, DatabaseError]:
        """Run one statement per parameter mapping, all or nothing (see the port)."""
        if self._closed:
            return Failure(_closed())
        if query.paramstyle is not Paramstyle.QMARK:
            return Failure(_wrong_style(query))
        batch: list[tuple[SqlValue, ...]] = []
        for params in rows:
            args = bind_args(query, params)
            if not isinstance(args, ParameterError) and not NATIVE_TYPES.issuperset(map(type, args)):
                args = to_sqlite(query, args)
            if isinstance(args, ParameterError):
                return Failure(args)
            batch.append(args)
        with self._scopes.scope() as tx:
            refusal = self._scopes.refusal()
            if refusal is not None:
                return Failure(refusal)
            try:
                self._cursor.executemany(query.sql, batch)
                count = self._cursor.rowcount
            except (sqlite3.Error, OverflowError) as exc:
                error = _error(exc)
                self._scopes.record(error)
                count = -1
        return tx.outcome.map(lambda _: count)

    def _write_all(  # pyright: ignore[reportUnusedFunction]  # called by name (run_store.WRITE_ALL)
        self, batch: Sequence[tuple[CompiledQuery, tuple[SqlValue, ...]]], /
    ) -> tuple[int, DatabaseError] | None:
        """Run every statement of ``batch`` (positional args) in one transaction: all or nothing.

        ``None`` when it committed; else the index of the statement that failed and its
        error, after rolling everything back (``len(batch)``: the COMMIT failed). A BEGIN
        that fails is reported as the first statement's refusal, as it is in a
        ``transaction()`` (``25P02``, the cause kept). Inside an open transaction the batch
        is a savepoint of it. Statements bind, convert and fail exactly as in ``execute``.
        """
        if self._closed:
            return 0, _closed()
        if self._scopes.active:
            return self._write_nested(batch)
        cursor = self._cursor
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            return 0, doomed_error(_error(exc))
        k = 0
        try:
            for query, args in batch:
                bound: tuple[SqlValue, ...] | DatabaseError = args
                if query.paramstyle is not _QMARK or not NATIVE_TYPES.issuperset(map(type, args)):
                    bound = _wrong_style(query) if query.paramstyle is not _QMARK else to_sqlite(query, args)
                if isinstance(bound, DatabaseError):
                    break
                cursor.execute(query.sql, bound)
                k += 1
            else:
                cursor.execute("COMMIT")
                return None
            failed: DatabaseError = bound
        except (sqlite3.Error, OverflowError) as exc:
            failed = _error(exc)
        except BaseException:
            self._ops.rollback()
            raise
        self._ops.rollback()
        return k, failed

    def _write_nested(
        self, batch: Sequence[tuple[CompiledQuery, tuple[SqlValue, ...]]]
    ) -> tuple[int, DatabaseError] | None:
        failed: tuple[int, DatabaseError] | None = None
        with self._scopes.scope() as tx:
            for k, (query, args) in enumerate(batch):
                rows = self._fetch_rows(query, args)
                if isinstance(rows, DatabaseError):
                    failed = k, rows
                    break
        if failed is None and isinstance(tx.outcome, Failure):
            failed = len(batch), tx.outcome.failure()
        return failed

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction (outermost: ``BEGIN IMMEDIATE``) or a savepoint (nested)."""
        return self._scopes.scope()

    def close(self) -> None:
        """Close the connection (an open transaction rolls back). Idempotent."""
        if not self._closed:
            self._closed = True
            self._scopes.reset()
            self._cursor.close()
            self._conn.close()


def open_sqlite(url: DatabaseUrl) -> Result[SqliteConnection, DatabaseError]:
    """Open (creating if needed) the SQLite database ``url`` names, with spine's pragmas."""
    _register_converters()
    busy_ms = round(url.options.busy_timeout * 1000)
    target = url.database
    try:
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            target,
            timeout=url.options.busy_timeout,
            detect_types=sqlite3.PARSE_DECLTYPES,
            autocommit=True,
        )
    except (sqlite3.Error, OSError) as exc:
        return Failure(
            DatabaseConnectionError(f"cannot open SQLite database {target!r}: {exc}", retryable=False)
        )
    try:
        # Only a database not yet written takes a new page size (``journal_mode=WAL`` is the
        # first write, and fixes it): a file spine creates gets ``page_size``, an existing
        # one keeps its own, even without tables.
        conn.execute(f"PRAGMA page_size={url.options.page_size}")
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        if target != ":memory:":
            conn.execute(f"PRAGMA wal_autocheckpoint={url.options.wal_autocheckpoint}")
    except sqlite3.Error as exc:
        conn.close()
        return Failure(_error(exc))
    return Success(SqliteConnection(conn))
