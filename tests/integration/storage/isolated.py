"""A fresh, private database per test on each live backend, dropped afterwards.

SQLite: a new file. PostgreSQL: a new schema on a one-connection pool whose
``search_path`` points at it. MariaDB: a new database. Infrastructure table names are
fixed, so tests that create them need this isolation to run side by side.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from spine.storage.compiled import CompiledQuery
from spine.storage.connect import connect
from spine.storage.database import Database
from tests.services import require

BACKENDS = ("sqlite", "postgres", "mysql")
BACKEND_PARAMS = [
    pytest.param("sqlite"),
    pytest.param("postgres", marks=pytest.mark.integration),
    pytest.param("mysql", marks=pytest.mark.integration),
]
"""The live backends as parameters (for a module-scoped fixture's ``params``)."""
backends = pytest.mark.parametrize("backend", BACKEND_PARAMS)


def raw(db: Database, text: str) -> None:
    """Run administrative SQL exactly as written (no compiler), or fail the test."""
    query = CompiledQuery(sql=text, dialect=db.dialect.name, paramstyle=db.dialect.paramstyle)
    db.connection.execute(query).unwrap()


def _with_database(url: str, database: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", query, ""))


@contextmanager
def isolated(backend: str, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """(database, url) of a private database; every connection to ``url`` sees the same one."""
    name = f"spine_t_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / name}.db"
        db = Database(connect(url).unwrap())
        try:
            yield db, url
        finally:
            db.close()
        return
    if backend == "postgres":
        base = require("postgres")
        admin = Database(connect(base).unwrap())
        raw(admin, f"CREATE SCHEMA {name}")
        url = _with_database(
            base, urlsplit(base).path.lstrip("/"), f"pool_min=1&pool_max=1&application_name={name}"
        )
        db = Database(connect(url).unwrap())
        raw(db, f"SET search_path TO {name}")
        try:
            yield db, url
        finally:
            db.close()
            raw(admin, f"DROP SCHEMA {name} CASCADE")
            admin.close()
        return
    base = require("mariadb")
    admin = Database(connect(base).unwrap())
    raw(admin, f"CREATE DATABASE {name}")
    url = _with_database(base, name)
    db = Database(connect(url).unwrap())
    try:
        yield db, url
    finally:
        db.close()
        raw(admin, f"DROP DATABASE {name}")
        admin.close()


@contextmanager
def reachable(backend: str, tmp_path: Path, *, pool_max: int = 1) -> Iterator[tuple[Database, str]]:
    """(database, url) of a private database that ``url`` alone reaches, from any process.

    ``isolated`` gives PostgreSQL a schema picked by ``SET search_path`` on its own
    connection, which another process (``spine --db URL``) or a reconnect does not see:
    PostgreSQL gets a database of its own here (a pool of ``pool_max``). Other backends: as
    ``isolated``.
    """
    if backend != "postgres":
        with isolated(backend, tmp_path) as found:
            yield found
        return
    base = require("postgres")
    name = f"spine_t_{uuid.uuid4().hex[:12]}"
    admin = Database(connect(base).unwrap())
    raw(admin, f"CREATE DATABASE {name}")
    url = _with_database(base, name, f"pool_min=1&pool_max={pool_max}")
    db = Database(connect(url).unwrap())
    try:
        yield db, url
    finally:
        db.close()
        raw(admin, f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def reopen(backend: str, url: str) -> Database:
    """Another connection to the isolated database ``url`` (PostgreSQL: same schema)."""
    db = Database(connect(url).unwrap())
    if backend == "postgres":
        schema = url.rsplit("application_name=", 1)[1]
        raw(db, f"SET search_path TO {schema}")
    return db


@contextmanager
def migrated(backend: str, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """(database, url) of a private database with spine's tables (migrated on a fake clock)."""
    from spine.storage.migrations import migrate  # noqa: PLC0415 - not every user needs it
    from spine.testing import FakeClock, FakeSleeper  # noqa: PLC0415

    with isolated(backend, tmp_path) as (db, url):
        clock = FakeClock()
        migrate(db, clock=clock, sleeper=FakeSleeper(clock), owner="t").unwrap()
        yield db, url
