"""The pure SQL layer: one canonical SQL AST, rendered for five database families.

SQLite, PostgreSQL, MySQL/MariaDB, Oracle and Db2.

Write a statement once, as PostgreSQL-flavoured text with ``:name`` parameters (:func:`sql`)
or with the builders (:func:`insert`, :func:`select`, :func:`upsert`, :func:`create_table`,
...), then :func:`compile` it for a :class:`Dialect`; the result is a
:class:`~spine.storage.compiled.CompiledQuery` the connection interpreters execute, and it
is cached on the statement. :func:`bind` turns named values into the driver's parameters.

>>> users = Table(name="users", columns=(
...     Column(name="id", type=BIGINT, nullable=False, identity=True),
...     Column(name="email", type=varchar(200), nullable=False)), primary_key=("id",))
>>> stmt = insert(users, returning=["id"])
>>> for name in DIALECT_NAMES:
...     print(f"{name:8} {compile(stmt, get_dialect(name)).sql}")
sqlite   INSERT INTO "users" ("email") VALUES (?) RETURNING "id"
postgres INSERT INTO "users" ("email") VALUES (%s) RETURNING "id"
mysql    INSERT INTO `users` (`email`) VALUES (%s) RETURNING `id`
oracle   INSERT INTO "USERS" ("EMAIL") VALUES (:1) RETURNING "ID" INTO :2
db2      SELECT "ID" FROM FINAL TABLE (INSERT INTO "USERS" ("EMAIL") VALUES (?))

Importing this package registers the ``db2`` dialect with sqlglot.
"""

from spine.storage.sql.binding import BoundParams, bind
from spine.storage.sql.compiler import compile, transpile
from spine.storage.sql.db2 import Db2
from spine.storage.sql.ddl import create_index, create_table, drop_table
from spine.storage.sql.dialect import DIALECT_NAMES, Dialect, Features, features, get_dialect
from spine.storage.sql.dml import delete, insert, update, upsert
from spine.storage.sql.errors import UnsupportedSqlError
from spine.storage.sql.identifiers import generated_name, identifier
from spine.storage.sql.predicates import Cmp, IsNull, OrderBy, Where
from spine.storage.sql.query import count, select
from spine.storage.sql.schema import Column, ColumnDefault, ForeignKey, Index, Table
from spine.storage.sql.statement import Statement, sql
from spine.storage.sql.types import (
    BIGINT,
    BOOLEAN,
    BYTES,
    DATE,
    DOUBLE,
    INTEGER,
    JSON,
    SMALLINT,
    TEXT,
    TIMESTAMPTZ,
    SqlType,
    TypeKind,
    decimal,
    varchar,
)

__all__ = [
    "BIGINT",
    "BOOLEAN",
    "BYTES",
    "DATE",
    "DIALECT_NAMES",
    "DOUBLE",
    "INTEGER",
    "JSON",
    "SMALLINT",
    "TEXT",
    "TIMESTAMPTZ",
    "BoundParams",
    "Cmp",
    "Column",
    "ColumnDefault",
    "Db2",
    "Dialect",
    "Features",
    "ForeignKey",
    "Index",
    "IsNull",
    "OrderBy",
    "SqlType",
    "Statement",
    "Table",
    "TypeKind",
    "UnsupportedSqlError",
    "Where",
    "bind",
    "compile",
    "count",
    "create_index",
    "create_table",
    "decimal",
    "delete",
    "drop_table",
    "features",
    "generated_name",
    "get_dialect",
    "identifier",
    "insert",
    "select",
    "sql",
    "transpile",
    "update",
    "upsert",
    "varchar",
]
