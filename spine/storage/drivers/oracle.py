"""``OracleConnection``: the ``Connection`` port over python-oracledb in thin mode.

Binding: ``named`` (``:name``, a dict) or ``numeric`` (``:1``..., a sequence in
``param_names`` order). Names in ``query.out_binds`` are bound to ``cursor.var()``
variables (``RETURNING ... INTO``); what they return is the statement's ``Rows`` (one
column per out-bind, one row per affected row) and ``Rows.out`` holds the first row, so a
repository reads returned keys the same way on every dialect. Out-binds are ``str``
variables unless the constructor maps a name to another Python type.

Values: aware datetimes bind as naive UTC (the session's ``TIME_ZONE`` is UTC), booleans
as ``1``/``0`` (``NUMBER(1)`` before 23ai), and the empty string is **refused**: Oracle
stores ``''`` as NULL, so spine makes the caller say which one is meant. Results: LOBs as
``str``/``bytes`` (``fetch_lobs=False``), numbers exactly (``fetch_decimals=True``; integral
values as ``int``), naive datetimes as aware UTC, upper-case column names in lower case.

The driver connection autocommits outside ``transaction()`` (the commit rides on the same
round trip); ``transaction()`` switches that off until COMMIT/ROLLBACK. Oracle has no
RELEASE SAVEPOINT: releasing is a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol, cast, final

import oracledb
from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import ParameterError, Params, Rows, bind_args
from spine.storage.drivers._dbapi import Args, DbapiSession
from spine.storage.drivers._values import aware_utc, to_naive_utc
from spine.storage.drivers.errors import ORACLE_CODES, FailureKind, database_error, scrub
from spine.storage.url import DatabaseUrl

__all__ = [
    "OracleConnection",
    "OracleConnectionLike",
    "OracleCursorLike",
    "OracleDialect",
    "OracleVarLike",
    "open_oracle",
]

_CODE: Final = re.compile(r"\b(?:ORA|DPY|DPI)-\d{4,5}\b")


class OracleVarLike(Protocol):
    """What spine uses of ``oracledb.Var``."""

    def getvalue(self, pos: int = 0, /) -> object:
        """The variable's value (for DML RETURNING: a list, one item per row)."""
        ...


class _FieldLike(Protocol):
    def __getitem__(self, index: int, /) -> object: ...


class OracleCursorLike(Protocol):
    """What spine uses of ``oracledb.Cursor``."""

    @property
    def description(self) -> Sequence[_FieldLike] | None:
        """Column descriptions, or None for statements without a result set."""
        ...

    @property
    def rowcount(self) -> int:
        """Rows affected (or fetched so far)."""
        ...

    def execute(
        self,
        statement: str,
        parameters: list[object] | dict[str, object],
        /,
        *,
        fetch_lobs: bool,
        fetch_decimals: bool,
    ) -> object:
        """Run one statement."""
        ...

    def executemany(self, statement: str, parameters: list[object], /) -> object:
        """Run one statement per parameter set (array DML)."""
        ...

    def var(self, typ: type, /) -> OracleVarLike:
        """An out-bind variable."""
        ...

    def fetchall(self) -> list[tuple[SqlValue, ...]]:
        """The remaining rows."""
        ...

    def close(self) -> None:
        """Release the cursor."""
        ...


class OracleConnectionLike(Protocol):
    """What spine uses of ``oracledb.Connection``."""

    autocommit: bool

    @property
    def version(self) -> str:
        """The server version."""
        ...

    def cursor(self) -> OracleCursorLike:
        """A new cursor."""
        ...

    def commit(self) -> None:
        """Commit."""
        ...

    def rollback(self) -> None:
        """Roll back."""
        ...

    def close(self) -> None:
        """Close."""
        ...


def _column(name: object) -> str:
    text = str(name)
    return text.lower() if text.isupper() else text


def _value(value: SqlValue) -> SqlValue:
    if isinstance(value, datetime):
        return aware_utc(value)
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == 0:
        return int(value)
    return value


_ERRORS: Final[tuple[type[Exception], ...]] = (oracledb.Error,)


@final
class OracleDialect:
    """The python-oracledb profile for :class:`~spine.storage.drivers._dbapi.DbapiSession`."""

    __slots__ = ("_connect", "_out_types", "_password")

    def __init__(
        self,
        connect: Callable[[], OracleConnectionLike],
        *,
        password: str | None = None,
        out_types: Mapping[str, type] | None = None,
    ) -> None:
        """``connect`` makes a connection (autocommit on, session time zone UTC)."""
        self._connect = connect
        self._password = password
        self._out_types = dict(out_types or {})

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's exception base class."""
        return _ERRORS

    @property
    def name(self) -> str:
        """``"oracle"``."""
        return "oracle"

    def connect(self) -> OracleConnectionLike:
        """A new connection from the factory."""
        return self._connect()

    def disconnect(self, conn: OracleConnectionLike, /) -> None:
        """Close ``conn``."""
        conn.close()

    def version(self, conn: OracleConnectionLike, /) -> str:
        """The server version (``19.3.0.0.0``)."""
        return conn.version

    def bind(self, query: CompiledQuery, params: Params, /) -> Args | ParameterError:
        """In-binds by name or position; out-bind names are left for :meth:`run`."""
        if query.paramstyle not in {Paramstyle.NAMED, Paramstyle.NUMERIC}:
            return ParameterError(
                f"query compiled for paramstyle {query.paramstyle.value!r}; "
                "oracledb takes 'named' or 'numeric'",
                field="paramstyle",
                value=query.paramstyle.value,
                constraint="named | numeric",
            )
        outs = query.out_binds
        ins = query if not outs else _without_outs(query)
        args = bind_args(ins, params)
        if isinstance(args, ParameterError):
            return args
        converted = to_naive_utc(ins, [int(v) if isinstance(v, bool) else v for v in args])
        if isinstance(converted, ParameterError):
            return converted
        for name, value in zip(ins.param_names, converted, strict=True):
            if value == "":
                return ParameterError(
                    f"parameter :{name} is an empty string, which Oracle stores as NULL; "
                    "pass None or a non-empty string",
                    field=name,
                    value="",
                    constraint="non-empty string or None",
                )
        if query.paramstyle is Paramstyle.NAMED:
            return dict(zip(ins.param_names, converted, strict=True))
        return converted

    def _parameters(
        self, cursor: OracleCursorLike, query: CompiledQuery, args: Args
    ) -> tuple[list[object] | dict[str, object], list[OracleVarLike]]:
        outs = [cursor.var(self._out_types.get(name, str)) for name in query.out_binds]
        if isinstance(args, dict):
            named: dict[str, object] = dict(args)
            named.update(zip(query.out_binds, outs, strict=True))
            return named, outs
        # The compiler puts the out binds last: the trailing len(out_binds) positions. An in
        # and an out bind may share a name (``WHERE id = :1 RETURNING id INTO :2``).
        return [*args, *outs], outs

    def run(self, conn: OracleConnectionLike, query: CompiledQuery, args: Args, /) -> Rows:
        """Execute once; the result set, the out-binds' rows, or the affected-row count."""
        cursor = conn.cursor()
        try:
            parameters, outs = self._parameters(cursor, query, args)
            cursor.execute(query.sql, parameters, fetch_lobs=False, fetch_decimals=True)
            description = cursor.description
            if description is not None:
                rows = tuple(tuple(_value(v) for v in row) for row in cursor.fetchall())
                return Rows(columns=tuple(_column(d[0]) for d in description), rows=rows, rowcount=len(rows))
            if not outs:
                return Rows(rowcount=cursor.rowcount)
            columns = tuple(_column(name) for name in query.out_binds)
            returned = [_as_list(var.getvalue()) for var in outs]
            out_rows = tuple(tuple(_value(v) for v in row) for row in zip(*returned, strict=True))
            first = dict(zip(query.out_binds, out_rows[0], strict=True)) if out_rows else {}
            return Rows(columns=columns, rows=out_rows, rowcount=cursor.rowcount, out=first)
        finally:
            cursor.close()

    def run_many(self, conn: OracleConnectionLike, query: CompiledQuery, batch: Sequence[Args], /) -> int:
        """Array DML: one round trip for the whole batch."""
        cursor = conn.cursor()
        try:
            cursor.executemany(query.sql, list(batch))
            return cursor.rowcount
        finally:
            cursor.close()

    def control(self, conn: OracleConnectionLike, action: str, savepoint: str | None, /) -> None:
        """Autocommit off for a transaction; COMMIT/ROLLBACK turn it back on."""
        match action:
            case "begin":
                conn.autocommit = False
            case "commit":
                conn.commit()
                conn.autocommit = True  # after a failed COMMIT, the ROLLBACK that follows does this
            case "rollback":
                try:
                    conn.rollback()
                finally:
                    conn.autocommit = True
            case "savepoint" | "rollback_to":
                sql = (
                    f"SAVEPOINT {savepoint}"
                    if action == "savepoint"
                    else f"ROLLBACK TO SAVEPOINT {savepoint}"
                )
                cursor = conn.cursor()
                try:
                    cursor.execute(sql, [], fetch_lobs=False, fetch_decimals=True)
                finally:
                    cursor.close()
            case _:
                pass  # Oracle has no RELEASE SAVEPOINT; the savepoint ends with the transaction

    def classify(self, exc: Exception, /) -> DatabaseError:
        """By ``ORA-``/``DPY-`` code (``ORACLE_CODES``), else by exception class."""
        text = scrub(str(exc), self._password)
        found = _CODE.search(text)
        code = found.group(0) if found else None
        kind = ORACLE_CODES.get(code) if code else None
        if kind is None:
            kind = FailureKind.INTEGRITY if isinstance(exc, oracledb.IntegrityError) else FailureKind.QUERY
        return database_error(kind, text, sqlstate=code, dialect="oracle", driver_code=code)


def _without_outs(query: CompiledQuery) -> CompiledQuery:
    # Out binds are the trailing len(out_binds) placeholders (see spine.storage.sql.compiler).
    names = query.param_names[: len(query.param_names) - len(query.out_binds)]
    return CompiledQuery(sql=query.sql, dialect=query.dialect, paramstyle=query.paramstyle, param_names=names)


def _as_list(value: object) -> list[SqlValue]:
    # DML RETURNING gives one value per affected row; a PL/SQL out-bind gives a scalar.
    return cast("list[SqlValue]", value if isinstance(value, list) else [value])


@final
class OracleConnection(DbapiSession[OracleConnectionLike]):
    """``Connection`` over one python-oracledb connection (reconnects after a lost connection)."""

    __slots__ = ()


def open_oracle(url: DatabaseUrl) -> Result[OracleConnection, DatabaseError]:
    """Connect (thin mode) to ``host:port/service_name`` from ``url``."""
    password = url.password.reveal() if url.password is not None else None

    def connect() -> OracleConnectionLike:
        # oracledb's annotations (``inconverter: Callable = None`` and the like) are not
        # strict-clean, so the real connection is matched to the protocol by a cast.
        conn = cast(
            "OracleConnectionLike",
            oracledb.connect(
                user=url.username,
                password=password,
                host=url.host,
                port=url.port or 1521,
                service_name=url.database,
                tcp_connect_timeout=url.options.timeout,
            ),
        )
        conn.autocommit = True
        cursor = conn.cursor()
        try:
            cursor.execute("ALTER SESSION SET TIME_ZONE = 'UTC'", [], fetch_lobs=False, fetch_decimals=True)
        finally:
            cursor.close()
        return conn

    session = OracleConnection(OracleDialect(connect, password=password))
    opened = session.connect_now()
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    return Success(session)
