"""``MySQLConnection``: the ``Connection`` port over PyMySQL (MySQL 8, MariaDB 10.5+).

Session settings (sent as the connection's ``init_command``, so they hold again after a
reconnect): ``time_zone='+00:00'`` and ``sql_mode`` = ``STRICT_ALL_TABLES`` (reject, never
truncate or coerce), ``ERROR_FOR_DIVISION_BY_ZERO``, ``NO_ZERO_DATE``, ``NO_ZERO_IN_DATE``,
``NO_ENGINE_SUBSTITUTION``. ``ANSI_QUOTES`` is *not* set: spine's compiler quotes MySQL
identifiers with backticks, and hand-written SQL keeps MySQL's meaning of ``"..."``.
Charset ``utf8mb4``. ``CLIENT.FOUND_ROWS`` is on, so an UPDATE's rowcount counts matched
rows as on every other database (optimistic-locking checks rely on it).

The driver connection is in autocommit mode; ``transaction()`` sends BEGIN. Datetimes:
aware parameters are stored as naive UTC in ``DATETIME(6)``, and ``DATETIME``/``TIMESTAMP``
values come back aware UTC (decoded by PyMySQL through spine's converters).

PyMySQL interpolates parameters client-side with Python ``%`` formatting, and spine always
passes a tuple (possibly empty), so a literal ``%`` in SQL must be written ``%%``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, cast, final

import pymysql
import pymysql.converters
from pymysql.constants import CLIENT, FIELD_TYPE
from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connection import ParameterError, Params, Rows, bind_args
from spine.storage.drivers._dbapi import Args, DbapiSession
from spine.storage.drivers._values import NATIVE_TYPES, to_naive_utc
from spine.storage.drivers.errors import MYSQL_ERRNOS, FailureKind, database_error, scrub
from spine.storage.url import DatabaseUrl

__all__ = ["MySQLConnection", "MySQLDialect", "open_mysql"]

SQL_MODE: Final = (
    "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION"
)
INIT_COMMAND: Final = f"SET time_zone = '+00:00', sql_mode = '{SQL_MODE}'"

type _Conn = pymysql.Connection[pymysql.cursors.Cursor]


def _utc_datetime(text: str | bytes) -> datetime | date | str:
    value = pymysql.converters.convert_datetime(text)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return value


type _Converters = dict[int | type[Any], Callable[[Any], str] | Callable[[str], Any]]


def _conversions() -> _Converters:
    """PyMySQL's converters, with ``DATETIME``/``TIMESTAMP`` decoded as aware UTC."""
    conv: _Converters = dict(pymysql.converters.conversions)
    conv[FIELD_TYPE.DATETIME] = _utc_datetime
    conv[FIELD_TYPE.TIMESTAMP] = _utc_datetime
    return conv


_ERRORS: Final[tuple[type[Exception], ...]] = (pymysql.err.MySQLError,)


@final
class MySQLDialect:
    """The PyMySQL profile for :class:`~spine.storage.drivers._dbapi.DbapiSession`."""

    __slots__ = ("_connect", "_password")

    def __init__(self, connect: Callable[[], _Conn], *, password: str | None = None) -> None:
        """``connect`` makes an autocommit PyMySQL connection; ``password`` is scrubbed from errors."""
        self._connect = connect
        self._password = password

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's exception base class."""
        return _ERRORS

    @property
    def name(self) -> str:
        """``"mysql"``."""
        return "mysql"

    def connect(self) -> _Conn:
        """A new connection from the factory."""
        return self._connect()

    def disconnect(self, conn: _Conn, /) -> None:
        """Close ``conn``."""
        if conn.open:
            conn.close()

    def version(self, conn: _Conn, /) -> str:
        """The server version (``10.11.6-MariaDB-...``; MariaDB's ``5.5.5-`` prefix removed)."""
        info = str(getattr(conn, "server_version", ""))
        return info.removeprefix("5.5.5-")

    def bind(self, query: CompiledQuery, params: Params, /) -> Args | ParameterError:
        """Positional arguments, aware datetimes as naive UTC."""
        if query.paramstyle is not Paramstyle.FORMAT:
            return ParameterError(
                f"query compiled for paramstyle {query.paramstyle.value!r}; PyMySQL takes 'format'",
                field="paramstyle",
                value=query.paramstyle.value,
                constraint="format",
            )
        args = bind_args(query, params)
        if isinstance(args, tuple) and not NATIVE_TYPES.issuperset(map(type, args)):
            return to_naive_utc(query, args)
        return args

    def run(self, conn: _Conn, query: CompiledQuery, args: Args, /) -> Rows:
        """Execute once; the result set or the affected-row count."""
        with conn.cursor() as cursor:
            cursor.execute(query.sql, args)
            # types-PyMySQL declares description as tuple[str, ...]; it is PEP 249's.
            description = cast("Sequence[Sequence[object]] | None", cursor.description)
            if description is None:
                return Rows(rowcount=cursor.rowcount)
            rows: tuple[tuple[SqlValue, ...], ...] = tuple(cursor.fetchall())
        return Rows(columns=tuple([str(d[0]) for d in description]), rows=rows, rowcount=len(rows))

    def run_many(self, conn: _Conn, query: CompiledQuery, batch: Sequence[Args], /) -> int:
        """``executemany`` (PyMySQL batches INSERT ... VALUES into multi-row statements)."""
        with conn.cursor() as cursor:
            cursor.executemany(query.sql, batch)
            return cursor.rowcount

    def control(self, conn: _Conn, action: str, savepoint: str | None, /) -> None:
        """BEGIN / COMMIT / ROLLBACK / SAVEPOINT statements."""
        match action:
            case "begin":
                conn.begin()
            case "commit":
                conn.commit()
            case "rollback":
                conn.rollback()
            case "savepoint":
                self._statement(conn, f"SAVEPOINT {savepoint}")
            case "release":
                self._statement(conn, f"RELEASE SAVEPOINT {savepoint}")
            case _:
                self._statement(conn, f"ROLLBACK TO SAVEPOINT {savepoint}")
                self._statement(conn, f"RELEASE SAVEPOINT {savepoint}")

    @staticmethod
    def _statement(conn: _Conn, sql: str) -> None:
        with conn.cursor() as cursor:
            cursor.execute(sql)

    def classify(self, exc: Exception, /) -> DatabaseError:
        """By MySQL errno (``MYSQL_ERRNOS``); a closed socket (``InterfaceError``) is a lost connection."""
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        if isinstance(exc, pymysql.err.InterfaceError):
            kind = FailureKind.CONNECTION
            text = text or "the connection to the server is closed"
        elif code is not None and code in MYSQL_ERRNOS:
            kind = MYSQL_ERRNOS[code]
        elif isinstance(exc, pymysql.err.IntegrityError):
            kind = FailureKind.INTEGRITY
        else:
            kind = FailureKind.QUERY
        return database_error(
            kind,
            scrub(text, self._password),
            sqlstate=None if code is None else str(code),
            dialect="mysql",
            driver_code=code,
        )


@final
class MySQLConnection(DbapiSession[_Conn]):
    """``Connection`` over one PyMySQL connection (reconnects after a lost connection)."""

    __slots__ = ()


def open_mysql(url: DatabaseUrl) -> Result[MySQLConnection, DatabaseError]:
    """Connect to the server ``url`` names (fails now, with a retryable error, if unreachable)."""
    password = url.password.reveal() if url.password is not None else None
    timeout = max(1, round(url.options.timeout))
    conv = _conversions()

    def connect() -> _Conn:
        return pymysql.connect(
            host=url.host or "localhost",
            port=url.port or 3306,
            user=url.username or "",
            password=password or "",
            database=url.database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=timeout,
            init_command=INIT_COMMAND,
            client_flag=CLIENT.FOUND_ROWS,
            conv=conv,
        )

    session = MySQLConnection(MySQLDialect(connect, password=password))
    opened = session.connect_now()
    if isinstance(opened, Failure):
        return Failure(opened.failure())
    return Success(session)
