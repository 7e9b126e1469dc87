"""``connect(url)``: the composition root's way to get a ``Connection`` from configuration.

The URL's scheme picks the interpreter; its driver module is imported only then, so the
optional drivers (psycopg, PyMySQL, oracledb, ibm_db) are needed only by those who use
them. An unknown scheme or option is a ``ConfigError``; a missing driver package is a
``ConfigError`` naming the extra to install; a server that does not answer is a
retryable ``DatabaseConnectionError``. There is **no fallback**: a PostgreSQL URL that
cannot be reached never quietly becomes an in-memory SQLite database.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Final, cast

from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, DatabaseError, SpineError
from spine.storage.connection import Connection
from spine.storage.url import Backend, DatabaseUrl, parse_url

__all__ = ["connect"]

type _Opener = Callable[[DatabaseUrl], Result[Connection, DatabaseError]]

_OPENERS: Final = {
    Backend.SQLITE: ("spine.storage.drivers.sqlite", "open_sqlite", None),
    Backend.POSTGRES: ("spine.storage.drivers.postgres", "open_postgres", "postgres"),
    Backend.MYSQL: ("spine.storage.drivers.mysql", "open_mysql", "mysql"),
    Backend.ORACLE: ("spine.storage.drivers.oracle", "open_oracle", "oracle"),
    Backend.DB2: ("spine.storage.drivers.db2", "open_db2", "db2"),
}


def _opener(backend: Backend) -> _Opener | ConfigError:
    module_name, function, extra = _OPENERS[backend]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f"pip install 'spine-core[{extra}]'" if extra else "a Python built with sqlite3"
        return ConfigError(f"the {backend.value} driver is not installed ({exc.name}): {hint}", key="url")
    return cast("_Opener", getattr(module, function))


def connect(url: str | DatabaseUrl, /) -> Result[Connection, SpineError]:
    """Open a connection to the database ``url`` names.

    >>> connect("mongodb://localhost/db").failure().message
    "unknown database URL scheme 'mongodb' (expected one of: db2, mariadb, ...)"
    >>> conn = connect("sqlite://:memory:").unwrap()
    >>> conn.dialect
    'sqlite'
    >>> conn.close()
    """
    if isinstance(url, DatabaseUrl):
        target = url
    else:
        parsed = parse_url(url)
        if isinstance(parsed, Failure):
            return Failure(parsed.failure())
        target = parsed.unwrap()
    opener = _opener(target.backend)
    if isinstance(opener, ConfigError):
        return Failure(opener)
    opened = opener(target)
    if isinstance(opened, Failure):
        return Failure(opened.failure().with_context(url=target.redacted()))
    return Success(opened.unwrap())
