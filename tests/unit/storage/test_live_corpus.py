"""Every corpus statement, compiled and executed for real on SQLite, PostgreSQL 15 and MariaDB 10.11.

The drivers are used directly (stdlib sqlite3, psycopg, PyMySQL) so this checks the SQL
alone, not spine's interpreters. Each run uses fresh table names and drops them after.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest

from spine.storage.compiled import SqlValue
from spine.storage.sql import Dialect, bind, compile, drop_table, get_dialect
from tests.services import require
from tests.unit.storage.corpus import Entry, corpus, tables

pytestmark = pytest.mark.integration


class Cursor(Protocol):
    """What the three DB-API cursors have in common, as far as this test is concerned."""

    def execute(self, query: str, args: Any, /) -> object: ...
    def fetchall(self) -> Any: ...


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _mysql_value(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # the corpus instants are UTC; DATETIME(6) stores UTC
    return value


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[Dialect, Cursor]]:
    name: str = request.param
    if name == "sqlite":
        with closing(sqlite3.connect(":memory:", autocommit=True)) as lite:
            yield get_dialect("sqlite"), lite.cursor()
    elif name == "postgres":
        with psycopg.connect(require("postgres"), autocommit=True) as pg:
            yield get_dialect("postgres"), pg.cursor()
    else:
        url = urlsplit(require("mariadb"))
        maria = pymysql.connect(
            host=url.hostname,
            port=url.port or 3306,
            user=url.username or "root",
            password=url.password or "",
            database=url.path.lstrip("/"),
            autocommit=True,
        )
        with closing(maria):
            yield get_dialect("mysql"), maria.cursor()


def _run(cursor: Cursor, dialect: Dialect, entry: Entry) -> None:
    query = compile(entry.statement, dialect)
    bound = bind(query, entry.params).unwrap()
    assert isinstance(bound, tuple)  # the three live drivers take positional parameters
    params: list[SqlValue] = list(bound)
    convert = _sqlite_value if dialect.name == "sqlite" else _mysql_value if dialect.name == "mysql" else None
    args = [convert(p) for p in params] if convert else params
    cursor.execute(query.sql, args)
    if query.returns_rows:
        rows = cursor.fetchall()
        if entry.rows is not None:
            assert len(rows) == entry.rows, f"{entry.name}: {rows}"


def test_every_corpus_statement_runs(backend: tuple[Dialect, Cursor]) -> None:
    dialect, cursor = backend
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    try:
        for entry in corpus(prefix):
            if dialect.name in entry.unsupported:
                continue
            _run(cursor, dialect, entry)
    finally:
        for table in reversed(tables(prefix)):
            cursor.execute(compile(drop_table(table, if_exists=True), dialect).sql, [])


def test_upsert_and_booleans_round_trip(backend: tuple[Dialect, Cursor]) -> None:
    dialect, cursor = backend
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    entries = {entry.name: entry for entry in corpus(prefix)}
    try:
        for name in ("create_runs", "create_kv", "insert_kv", "upsert_kv_update", "upsert_kv_do_nothing"):
            _run(cursor, dialect, entries[name])
        _, kv, _ = tables(prefix)
        quote = "`" if dialect.name == "mysql" else '"'
        cursor.execute(f"SELECT {quote}v{quote}, {quote}flag{quote} FROM {quote}{kv.name}{quote}", [])
        assert [tuple(row) for row in cursor.fetchall()] == [(2, True if dialect.name == "postgres" else 1)]
    finally:
        for table in reversed(tables(prefix)):
            cursor.execute(compile(drop_table(table, if_exists=True), dialect).sql, [])
