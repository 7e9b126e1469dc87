"""Which database failures are transient, which are integrity violations: tables as data.

Each interpreter pulls its driver's code out of the driver's exception (SQLSTATE, MySQL
errno, ``ORA-nnnnn``, SQLite result code) and looks it up here; the driver exceptions
themselves never leave the interpreter. This module imports no driver.

=================  ===========================================  ============================
kind               becomes                                      retry?
=================  ===========================================  ============================
``CONNECTION``     ``DatabaseConnectionError``                  yes: the session is gone
``TRANSIENT``      ``QueryError(retryable=True)``               yes: deadlock, serialization,
                                                                lock timeout, busy
``INTEGRITY``      ``IntegrityError``                           no
``QUERY``          ``QueryError``                               no
=================  ===========================================  ============================
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from spine.core.errors import DatabaseConnectionError, DatabaseError, IntegrityError, QueryError
from spine.core.json_types import JsonValue

__all__ = [
    "DB2_SQLCODES",
    "DB2_SQLSTATES",
    "MYSQL_ERRNOS",
    "ORACLE_CODES",
    "POSTGRES_SQLSTATES",
    "SQLITE_PRIMARY_CODES",
    "SQLSTATE_CLASSES",
    "FailureKind",
    "by_sqlstate",
    "database_error",
    "scrub",
]


class FailureKind(StrEnum):
    """What a database failure means for the caller."""

    CONNECTION = "connection"
    TRANSIENT = "transient"
    INTEGRITY = "integrity"
    QUERY = "query"


_C, _T, _I = FailureKind.CONNECTION, FailureKind.TRANSIENT, FailureKind.INTEGRITY

SQLSTATE_CLASSES: Final[Mapping[str, FailureKind]] = {
    "08": _C,  # connection exception (PostgreSQL, Db2: 08001 cannot connect, 08006 lost, ...)
    "23": _I,  # integrity constraint violation
}
"""SQLSTATE class (first two characters) → kind, when the full code is not listed."""

POSTGRES_SQLSTATES: Final[Mapping[str, FailureKind]] = {
    "40001": _T,  # serialization_failure
    "40P01": _T,  # deadlock_detected
    "55P03": _T,  # lock_not_available (NOWAIT / lock_timeout)
    "53300": _C,  # too_many_connections
    "57P01": _C,  # admin_shutdown (pg_terminate_backend)
    "57P02": _C,  # crash_shutdown
    "57P03": _C,  # cannot_connect_now (starting up)
}

MYSQL_ERRNOS: Final[Mapping[int, FailureKind]] = {
    1205: _T,  # ER_LOCK_WAIT_TIMEOUT
    1213: _T,  # ER_LOCK_DEADLOCK
    1040: _C,  # ER_CON_COUNT_ERROR (too many connections)
    1053: _C,  # ER_SERVER_SHUTDOWN
    1927: _C,  # ER_CONNECTION_KILLED (MariaDB)
    2002: _C,  # CR_CONNECTION_ERROR (socket)
    2003: _C,  # CR_CONN_HOST_ERROR (can't connect)
    2006: _C,  # CR_SERVER_GONE_ERROR
    2013: _C,  # CR_SERVER_LOST
    2055: _C,  # CR_SERVER_LOST_EXTENDED
    4031: _C,  # ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
    1048: _I,  # ER_BAD_NULL_ERROR
    1062: _I,  # ER_DUP_ENTRY
    1169: _I,  # ER_DUP_UNIQUE
    1216: _I,  # ER_NO_REFERENCED_ROW
    1217: _I,  # ER_ROW_IS_REFERENCED
    1364: _I,  # ER_NO_DEFAULT_FOR_FIELD (a NOT NULL column left out, strict mode)
    1451: _I,  # ER_ROW_IS_REFERENCED_2
    1452: _I,  # ER_NO_REFERENCED_ROW_2
    1557: _I,  # ER_FOREIGN_DUPLICATE_KEY
    1586: _I,  # ER_DUP_ENTRY_WITH_KEY_NAME
    3819: _I,  # ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
    4025: _I,  # ER_CONSTRAINT_FAILED (MariaDB CHECK)
}

SQLITE_PRIMARY_CODES: Final[Mapping[int, FailureKind]] = {
    5: _T,  # SQLITE_BUSY ("database is locked")
    6: _T,  # SQLITE_LOCKED (a conflicting lock in the same process)
    19: _I,  # SQLITE_CONSTRAINT
}
"""SQLite primary result codes (``extended_code & 0xFF``) → kind."""

ORACLE_CODES: Final[Mapping[str, FailureKind]] = {
    "ORA-00054": _T,  # resource busy (NOWAIT)
    "ORA-00060": _T,  # deadlock detected
    "ORA-08177": _T,  # can't serialize access
    "ORA-01033": _C,  # initialization or shutdown in progress
    "ORA-01034": _C,  # not available
    "ORA-01089": _C,  # immediate shutdown in progress
    "ORA-03113": _C,  # end-of-file on communication channel
    "ORA-03114": _C,  # not connected
    "ORA-03135": _C,  # connection lost contact
    "ORA-12170": _C,  # connect timeout
    "ORA-12514": _C,  # listener does not know the service (yet)
    "ORA-12528": _C,  # listener: all instances blocking new connections
    "ORA-12537": _C,  # connection closed
    "ORA-12541": _C,  # no listener
    "DPY-1001": _C,  # python-oracledb thin: not connected
    "DPY-4011": _C,  # thin: the database or network closed the connection
    "DPY-6005": _C,  # thin: cannot connect
    "ORA-00001": _I,  # unique constraint violated
    "ORA-01400": _I,  # cannot insert NULL
    "ORA-01407": _I,  # cannot update to NULL
    "ORA-02290": _I,  # check constraint violated
    "ORA-02291": _I,  # parent key not found
    "ORA-02292": _I,  # child record found
}

DB2_SQLSTATES: Final[Mapping[str, FailureKind]] = {
    "40001": _T,  # SQL0911N deadlock (rc 2) or lock timeout (rc 68)
    "57033": _T,  # SQL0913N deadlock or timeout, statement rolled back
    "40003": _C,  # statement completion unknown: communication failure
}

DB2_SQLCODES: Final[Mapping[int, FailureKind]] = {
    -911: _T,
    -913: _T,
    -30080: _C,  # communication error
    -30081: _C,  # SQL30081N communication error
    -1224: _C,  # agent could not be started / connection terminated
}
"""Db2 SQLCODEs → kind, for messages that carry a code but no usable SQLSTATE."""


def by_sqlstate(sqlstate: str | None, table: Mapping[str, FailureKind]) -> FailureKind | None:
    """The kind for ``sqlstate``: the exact code in ``table``, else its class, else ``None``.

    >>> by_sqlstate("40P01", POSTGRES_SQLSTATES), by_sqlstate("23505", POSTGRES_SQLSTATES)
    (<FailureKind.TRANSIENT: 'transient'>, <FailureKind.INTEGRITY: 'integrity'>)
    >>> by_sqlstate("42601", POSTGRES_SQLSTATES) is None
    True
    """
    if sqlstate is None:
        return None
    return table.get(sqlstate) or SQLSTATE_CLASSES.get(sqlstate[:2])


def scrub(message: str, secret: str | None) -> str:
    """``message`` with every occurrence of ``secret`` replaced by ``***``.

    >>> scrub("login failed for app/hunter2", "hunter2")
    'login failed for app/***'
    """
    if secret:
        return message.replace(secret, "***")
    return message


def database_error(
    kind: FailureKind,
    message: str,
    *,
    sqlstate: str | None,
    dialect: str,
    driver_code: JsonValue = None,
) -> DatabaseError:
    """The ``SpineError`` for a classified failure.

    >>> e = database_error(FailureKind.TRANSIENT, "deadlock", sqlstate="40P01", dialect="postgres")
    >>> (type(e).__name__, e.retryable, e.sqlstate, e.context["dialect"])
    ('QueryError', True, '40P01', 'postgres')
    """
    context: dict[str, JsonValue] = {"dialect": dialect}
    if driver_code is not None:
        context["driver_code"] = driver_code
    match kind:
        case FailureKind.CONNECTION:
            return DatabaseConnectionError(message, sqlstate=sqlstate, context=context)
        case FailureKind.TRANSIENT:
            return QueryError(message, sqlstate=sqlstate, retryable=True, context=context)
        case FailureKind.INTEGRITY:
            return IntegrityError(message, sqlstate=sqlstate, context=context)
        case FailureKind.QUERY:
            return QueryError(message, sqlstate=sqlstate, context=context)
