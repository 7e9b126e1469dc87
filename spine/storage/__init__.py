"""Layer 2: portable storage.

One canonical SQL AST (:mod:`spine.storage.sql`) rendered for SQLite, PostgreSQL,
MySQL/MariaDB, Oracle and Db2; the ``Connection`` port and one interpreter per driver
(:mod:`spine.storage.drivers`, opened with :func:`connect`); the infrastructure schema and
its migrations; a typed ``BaseRepository``; and bitemporal persistence.

>>> transpile("SELECT id FROM runs ORDER BY id LIMIT :n", "oracle")
'SELECT "ID" FROM "RUNS" ORDER BY "ID" FETCH FIRST :1 ROWS ONLY'
"""

from spine.storage.bitemporal import BiTemporalStore
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue
from spine.storage.connect import connect
from spine.storage.connection import (
    NO_PARAMS,
    Connection,
    ParameterError,
    Params,
    Rows,
    Transaction,
    in_transaction,
)
from spine.storage.database import Database, dialect_for
from spine.storage.migrations import (
    INFRASTRUCTURE_MIGRATIONS,
    AppliedMigration,
    CreateIndex,
    CreateTable,
    Migration,
    MigrationReport,
    Sql,
    migrate,
    plan,
)
from spine.storage.repository import BaseRepository, Page
from spine.storage.sql import (
    Column,
    Dialect,
    Index,
    Statement,
    Table,
    compile,
    get_dialect,
    sql,
    transpile,
)
from spine.storage.tables import INFRASTRUCTURE_TABLES
from spine.storage.url import DatabaseUrl, parse_url, redact

__all__ = [
    "INFRASTRUCTURE_MIGRATIONS",
    "INFRASTRUCTURE_TABLES",
    "NO_PARAMS",
    "AppliedMigration",
    "BaseRepository",
    "BiTemporalStore",
    "Column",
    "CompiledQuery",
    "Connection",
    "CreateIndex",
    "CreateTable",
    "Database",
    "DatabaseUrl",
    "Dialect",
    "Index",
    "Migration",
    "MigrationReport",
    "Page",
    "ParameterError",
    "Params",
    "Paramstyle",
    "Rows",
    "Sql",
    "SqlValue",
    "Statement",
    "Table",
    "Transaction",
    "compile",
    "connect",
    "dialect_for",
    "get_dialect",
    "in_transaction",
    "migrate",
    "parse_url",
    "plan",
    "redact",
    "sql",
    "transpile",
]
