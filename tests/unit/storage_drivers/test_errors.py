"""The classification tables, and what the network drivers' classifiers make of real exceptions."""

from __future__ import annotations

import psycopg
import pymysql
import pytest

from spine.core.errors import DatabaseConnectionError, IntegrityError, QueryError, from_record, to_record
from spine.storage.connection import ParameterError
from spine.storage.drivers.errors import (
    MYSQL_ERRNOS,
    POSTGRES_SQLSTATES,
    FailureKind,
    by_sqlstate,
    database_error,
    scrub,
)
from spine.storage.drivers.mysql import MySQLDialect
from spine.storage.drivers.postgres import _classify


@pytest.mark.parametrize(
    ("sqlstate", "kind"),
    [
        ("40001", FailureKind.TRANSIENT),
        ("40P01", FailureKind.TRANSIENT),
        ("57P01", FailureKind.CONNECTION),
        ("08006", FailureKind.CONNECTION),
        ("08001", FailureKind.CONNECTION),
        ("23505", FailureKind.INTEGRITY),
        ("23503", FailureKind.INTEGRITY),
        ("42601", None),
        (None, None),
    ],
)
def test_postgres_sqlstates(sqlstate: str | None, kind: FailureKind | None) -> None:
    assert by_sqlstate(sqlstate, POSTGRES_SQLSTATES) is kind


@pytest.mark.parametrize(
    ("errno", "kind"),
    [
        (1213, "transient"),
        (1205, "transient"),
        (2006, "connection"),
        (2013, "connection"),
        (2003, "connection"),
        (1927, "connection"),
        (1062, "integrity"),
        (1451, "integrity"),
        (1452, "integrity"),
    ],
)
def test_mysql_errnos(errno: int, kind: str) -> None:
    assert MYSQL_ERRNOS[errno] == kind


@pytest.mark.parametrize(
    ("kind", "cls", "retryable"),
    [
        (FailureKind.CONNECTION, DatabaseConnectionError, True),
        (FailureKind.TRANSIENT, QueryError, True),
        (FailureKind.INTEGRITY, IntegrityError, False),
        (FailureKind.QUERY, QueryError, False),
    ],
)
def test_database_error_builds_the_class_and_round_trips(
    kind: FailureKind, cls: type, retryable: bool
) -> None:
    error = database_error(kind, "m", sqlstate="X", dialect="d", driver_code=7)
    assert type(error) is cls
    assert error.retryable is retryable
    assert dict(error.context) == {"dialect": "d", "driver_code": 7}
    assert from_record(to_record(error)) == error


def test_parameter_error_round_trips_through_its_record() -> None:
    error = ParameterError("missing parameter :x", field="x", constraint="required")
    assert from_record(to_record(error)) == error
    assert error.sqlstate is None
    assert not error.retryable


def test_scrub() -> None:
    assert scrub("a pw b pw", "pw") == "a *** b ***"
    assert scrub("nothing", None) == "nothing"
    assert scrub("nothing", "") == "nothing"


@pytest.mark.parametrize(
    ("exc", "cls", "retryable"),
    [
        (psycopg.errors.SerializationFailure("could not serialize"), QueryError, True),
        (psycopg.errors.DeadlockDetected("deadlock detected"), QueryError, True),
        (psycopg.errors.AdminShutdown("terminating connection"), DatabaseConnectionError, True),
        (psycopg.errors.UniqueViolation("duplicate key"), IntegrityError, False),
        (psycopg.errors.SyntaxError("syntax error"), QueryError, False),
        (
            psycopg.OperationalError("server closed the connection unexpectedly"),
            DatabaseConnectionError,
            True,
        ),
        (psycopg.InterfaceError("the connection is closed"), DatabaseConnectionError, True),
        (
            psycopg.OperationalError(
                'connection failed: FATAL:  password authentication failed for user "x"'
            ),
            DatabaseConnectionError,
            False,
        ),
        (
            psycopg.OperationalError("connection failed: FATAL:  the database system is starting up"),
            DatabaseConnectionError,
            True,
        ),
    ],
)
def test_postgres_classifier(exc: psycopg.Error, cls: type, retryable: bool) -> None:
    error = _classify(exc, "pw")
    assert type(error) is cls
    assert error.retryable is retryable


@pytest.mark.parametrize(
    ("exc", "cls", "retryable", "sqlstate"),
    [
        (pymysql.err.OperationalError(1213, "Deadlock found"), QueryError, True, "1213"),
        (pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"), QueryError, True, "1205"),
        (
            pymysql.err.OperationalError(2013, "Lost connection to server during query"),
            DatabaseConnectionError,
            True,
            "2013",
        ),
        (
            pymysql.err.OperationalError(2006, "MySQL server has gone away"),
            DatabaseConnectionError,
            True,
            "2006",
        ),
        (pymysql.err.InterfaceError(0, ""), DatabaseConnectionError, True, "0"),
        (pymysql.err.IntegrityError(1062, "Duplicate entry"), IntegrityError, False, "1062"),
        (pymysql.err.IntegrityError(1999, "some other constraint"), IntegrityError, False, "1999"),
        (
            pymysql.err.ProgrammingError(1064, "You have an error in your SQL syntax"),
            QueryError,
            False,
            "1064",
        ),
        (
            pymysql.err.OperationalError(1045, "Access denied for user 'u' (using password: pw)"),
            QueryError,
            False,
            "1045",
        ),
    ],
)
def test_mysql_classifier(exc: pymysql.err.MySQLError, cls: type, retryable: bool, sqlstate: str) -> None:
    dialect = MySQLDialect(lambda: pytest.fail("no connection is made"), password="pw")
    error = dialect.classify(exc)
    assert type(error) is cls
    assert (error.retryable, error.sqlstate) == (retryable, sqlstate)
    assert "pw)" not in error.message
