"""``Db2Connection``: the ``Connection`` port over ibm_db's PEP 249 layer, ``ibm_db_dbi`` (Db2 LUW).

``ibm_db_dbi`` is used rather than raw ``ibm_db`` because it raises PEP 249 exception
classes (raw ``ibm_db`` raises bare ``Exception``, which no interpreter may catch). Its
``threadsafety`` is 0: one ``Db2Connection`` per thread.

Binding is ``qmark`` (``?``), positional in ``param_names`` order. Db2 LUW has no zoned
timestamp: aware datetimes bind as naive UTC and come back aware UTC; booleans bind as
``1``/``0``. Column names Db2 folded to upper case come back in lower case. Inserted keys:
the compiler emits ``SELECT ... FROM FINAL TABLE (INSERT ...)``, an ordinary result set.

Errors are classified by the ``SQLSTATE=`` and ``SQLCODE=`` the CLI puts in every message
(``ibm_db_dbi.executemany`` re-wraps errors as the base class, so the class is not enough).
The driver connection autocommits outside ``transaction()``; the block switches that off
until COMMIT/ROLLBACK. Savepoints use ``ON ROLLBACK RETAIN CURSORS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final, Protocol, final

import ibm_db_dbi
from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import ParameterError, Params, Rows, bind_args
from spine.storage.drivers._dbapi import Args, DbapiSession
from spine.storage.drivers._values import aware_utc, to_naive_utc
from spine.storage.drivers.errors import (
    DB2_SQLCODES,
    DB2_SQLSTATES,
    FailureKind,
    by_sqlstate,
    database_error,
    scrub,
)
from spine.storage.url import DatabaseUrl

__all__ = ["Db2Connection", "Db2ConnectionLike", "Db2CursorLike", "Db2Dialect", "open_db2"]

_SQLSTATE: Final = re.compile(r"SQLSTATE=(\w{5})")
_SQLCODE: Final = re.compile(r"SQLCODE=(-?\d+)")
_MESSAGE_ID: Final = re.compile(r"\bSQL(\d{4,5})N\b")


class Db2CursorLike(Protocol):
    """What spine uses of ``ibm_db_dbi.Cursor``."""

    @property
    def description(self) -> Sequence[Sequence[object]] | None:
        """Column descriptions, or None for statements without a result set."""
        ...

    @property
    def rowcount(self) -> int:
        """Rows affected."""
        ...

    def execute(self, operation: str, parameters: tuple[SqlValue, ...], /) -> object:
        """Run one statement."""
        ...

    def executemany(self, operation: str, seq_parameters: tuple[tuple[SqlValue, ...], ...], /) -> object:
        """Run one statement per parameter set."""
        ...

    def fetchall(self) -> list[tuple[SqlValue, ...]]:
        """The remaining rows."""
        ...

    def close(self) -> object:
        """Release the cursor."""
        ...


class Db2ConnectionLike(Protocol):
    """What spine uses of ``ibm_db_dbi.Connection``."""

    @property
    def dbms_ver(self) -> str:
        """The server version."""
        ...

    def cursor(self) -> Db2CursorLike:
        """A new cursor."""
        ...

    def commit(self) -> object:
        """Commit."""
        ...

    def rollback(self) -> object:
        """Roll back."""
        ...

    def close(self) -> object:
        """Close."""
        ...

    def set_autocommit(self, is_on: bool, /) -> object:  # noqa: FBT001 - the driver's signature
        """Switch the CLI's autocommit."""
        ...


def _column(name: object) -> str:
    text = str(name)
    return text.lower() if text.isupper() else text


def _codes(text: str) -> tuple[str | None, int | None]:
    state = _SQLSTATE.search(text)
    code = _SQLCODE.search(text)
    if code is not None:
        return (state.group(1) if state else None), int(code.group(1))
    message_id = _MESSAGE_ID.search(text)
    return (state.group(1) if state else None), (-int(message_id.group(1)) if message_id else None)


_ERRORS: Final[tuple[type[Exception], ...]] = (ibm_db_dbi.Error,)


@final
class Db2Dialect:
    """The ibm_db_dbi profile for :class:`~spine.storage.drivers._dbapi.DbapiSession`."""

    __slots__ = ("_connect", "_password")

    def __init__(self, connect: Callable[[], Db2ConnectionLike], *, password: str | None = None) -> None:
        """``connect`` makes a connection with autocommit on."""
        self._connect = connect
        self._password = password

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's exception base class."""
        return _ERRORS

    @property
    def name(self) -> str:
        """``"db2"``."""
        return "db2"

    def connect(self) -> Db2ConnectionLike:
        """A new connection from the factory."""
        return self._connect()

    def disconnect(self, conn: Db2ConnectionLike, /) -> None:
        """Close ``conn``."""
        conn.close()

    def version(self, conn: Db2ConnectionLike, /) -> str:
        """The server version (``11.05.0900``)."""
        return conn.dbms_ver

    def bind(self, query: CompiledQuery, params: Params, /) -> Args | ParameterError:
        """Positional arguments; aware datetimes as naive UTC, booleans as 1/0."""
        if query.paramstyle is not Paramstyle.QMARK:
            return ParameterError(
                f"query compiled for paramstyle {query.paramstyle.value!r}; ibm_db takes 'qmark'",
                field="paramstyle",
                value=query.paramstyle.value,
                constraint="qmark",
            )
        args = bind_args(query, params)
        if isinstance(args, ParameterError):
            return args
        return to_naive_utc(query, [int(v) if isinstance(v, bool) else v for v in args])

    def run(self, conn: Db2ConnectionLike, query: CompiledQuery, args: Args, /) -> Rows:
        """Execute once; the result set or the affected-row count."""
        cursor = conn.cursor()
        try:
            cursor.execute(query.sql, tuple(args.values()) if isinstance(args, dict) else args)
            description = cursor.description
            if description is None:
                return Rows(rowcount=cursor.rowcount)
            rows = tuple(
                tuple(aware_utc(v) if isinstance(v, datetime) else v for v in row)
                for row in cursor.fetchall()
            )
            return Rows(columns=tuple(_column(d[0]) for d in description), rows=rows, rowcount=len(rows))
        finally:
            cursor.close()

    def run_many(self, conn: Db2ConnectionLike, query: CompiledQuery, batch: Sequence[Args], /) -> int:
        """``ibm_db.execute_many``: array input, one call."""
        cursor = conn.cursor()
        try:
            cursor.executemany(
                query.sql, tuple(tuple(a.values()) if isinstance(a, dict) else a for a in batch)
            )
            return cursor.rowcount
        finally:
            cursor.close()

    def control(self, conn: Db2ConnectionLike, action: str, savepoint: str | None, /) -> None:
        """Autocommit off for a transaction; COMMIT/ROLLBACK turn it back on."""
        match action:
            case "begin":
                conn.set_autocommit(False)
                return
            case "commit":
                conn.commit()
                conn.set_autocommit(True)  # after a failed COMMIT, the ROLLBACK that follows does this
                return
            case "rollback":
                try:
                    conn.rollback()
                finally:
                    conn.set_autocommit(True)
                return
            case "savepoint":
                sql = f"SAVEPOINT {savepoint} ON ROLLBACK RETAIN CURSORS"
            case "release":
                sql = f"RELEASE SAVEPOINT {savepoint}"
            case _:
                sql = f"ROLLBACK TO SAVEPOINT {savepoint}"
        cursor = conn.cursor()
        try:
            cursor.execute(sql, ())
        finally:
            cursor.close()

    def classify(self, exc: Exception, /) -> DatabaseError:
        """By SQLSTATE (``DB2_SQLSTATES``, then its class), then SQLCODE (``DB2_SQLCODES``)."""
        text = scrub(str(exc), self._password)
        text = text.removeprefix(f"ibm_db_dbi::{type(exc).__name__}: ")
        sqlstate, sqlcode = _codes(text)
        kind = DB2_SQLSTATES.get(sqlstate or "") or (DB2_SQLCODES.get(sqlcode) if sqlcode else None)
        kind = kind or by_sqlstate(sqlstate, {})
        if kind is None:
            kind = FailureKind.INTEGRITY if isinstance(exc, ibm_db_dbi.IntegrityError) else FailureKind.QUERY
        return database_error(kind, text, sqlstate=sqlstate, dialect="db2", driver_code=sqlcode)


@final
class Db2Connection(DbapiSession[Db2ConnectionLike]):
    """``Connection`` over one ibm_db_dbi connection (reconnects after a lost connection)."""

    __slots__ = ()


def _dsn(url: DatabaseUrl, password: str | None) -> str:
    parts = {
        "DATABASE": url.database,
        "HOSTNAME": url.host or "localhost",
        "PORT": str(url.port or 50000),
        "PROTOCOL": "TCPIP",
        "CONNECTTIMEOUT": str(max(1, round(url.options.timeout))),
    }
    if url.username:
        parts["UID"] = url.username
    if password:
        parts["PWD"] = password
    return "".join(f"{key}={value};" for key, value in parts.items())


def open_db2(url: DatabaseUrl) -> Result[Db2Connection, DatabaseError]:
    """Connect to the Db2 database ``url`` names."""
    password = url.password.reveal() if url.password is not None else None
    dsn = _dsn(url, password)

    def connect() -> Db2ConnectionLike:
        conn = ibm_db_dbi.connect(dsn)
        conn.set_autocommit(True)
        return conn

    session = Db2Connection(Db2Dialect(connect, password=password))
    opened = session.connect_now()
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    return Success(session)
