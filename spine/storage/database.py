"""``Database``: a connection together with the dialect its statements compile for.

Layers above storage hold a ``Database`` rather than a bare ``Connection``: they write a
:class:`~spine.storage.sql.Statement` once and run it on whatever database they were
given. Compilation is cached on the statement, so the hot path is one dictionary look-up
plus the driver call.

Text that is not valid Unicode (a lone surrogate, as ``os.fsdecode`` and
``surrogateescape`` make from undecodable bytes) cannot be sent to any database: the
drivers raise ``UnicodeEncodeError`` while encoding it, before the statement reaches the
server. ``Database`` turns that into a ``ParameterError`` naming the parameter, as it does
a missing one: nothing ran, and an open transaction is still usable. The ``try`` costs
nothing unless it fires.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import final

from returns.result import Failure, Result

from spine.core.errors import DatabaseError
from spine.storage.compiled import SqlValue
from spine.storage.connection import NO_PARAMS, Connection, ParameterError, Params, Rows, Transaction
from spine.storage.sql.compiler import compile
from spine.storage.sql.dialect import Dialect, get_dialect
from spine.storage.sql.statement import Statement

__all__ = ["Database", "dialect_for", "unencodable"]


def dialect_for(name: str, server_version: str, /) -> Dialect:
    """The render target for a server that calls itself ``name`` at ``server_version``.

    >>> dialect_for("mysql", "10.11.19-MariaDB-0+deb12u1").version
    'mariadb-10.11'
    >>> dialect_for("mysql", "8.0.36").version, dialect_for("oracle", "23.4.0.24.05").version
    ('8.0', '23')
    """
    major = server_version.split(".", 1)[0]
    match name:
        case "mysql":
            return get_dialect("mysql", "mariadb-10.11" if "mariadb" in server_version.lower() else "8.0")
        case "oracle":
            return get_dialect("oracle", "23" if major.isdigit() and int(major) >= 23 else "19")
        case "db2":
            return get_dialect("db2", "11.1" if server_version.startswith(("11.1", "DB2 v11.1")) else "11.5")
        case _:
            return get_dialect(name)


@final
class Database:
    """A ``Connection`` plus its ``Dialect``: run statements, not dialect SQL.

    >>> from spine.storage.sql import sql
    >>> from spine.storage.connect import connect
    >>> db = Database(connect("sqlite://:memory:").unwrap())
    >>> db.execute(sql("SELECT :a + 1 AS b"), {"a": 41}).unwrap().scalar()
    42
    """

    __slots__ = ("connection", "dialect")

    def __init__(self, connection: Connection, dialect: Dialect | None = None) -> None:
        self.connection = connection
        self.dialect = dialect or dialect_for(connection.dialect, connection.server_version)

    def execute(self, statement: Statement, params: Params = NO_PARAMS, /) -> Result[Rows, DatabaseError]:
        """Compile ``statement`` for this database (cached) and run it."""
        try:
            return self.connection.execute(compile(statement, self.dialect), params)
        except UnicodeEncodeError as exc:
            return Failure(unencodable(params.items(), exc))

    def executemany(self, statement: Statement, rows: Sequence[Params], /) -> Result[int, DatabaseError]:
        """Run ``statement`` once per parameter mapping, all or nothing."""
        try:
            return self.connection.executemany(compile(statement, self.dialect), rows)
        except UnicodeEncodeError as exc:
            return Failure(unencodable((pair for params in rows for pair in params.items()), exc))

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction (a savepoint when nested); see :class:`~spine.storage.connection.Connection`."""
        return self.connection.transaction()

    def close(self) -> None:
        """Close the underlying connection."""
        self.connection.close()


def unencodable(params: Iterable[tuple[str, SqlValue]], error: UnicodeEncodeError, /) -> ParameterError:
    r"""The error for a driver's ``UnicodeEncodeError``: the first text parameter at fault.

    >>> raised = UnicodeEncodeError("utf-8", "x\udcff", 1, 2, "surrogates not allowed")
    >>> error = unencodable([("a", "ok"), ("b", "x\udcff")], raised)
    >>> error.message, error.field, error.value
    ('parameter :b is not valid Unicode text (surrogates not allowed)', 'b', 'x\\udcff')
    """
    for name, value in params:
        if isinstance(value, str) and not _encodes(value):
            msg = f"parameter :{name} is not valid Unicode text ({error.reason})"
            shown = value.encode("utf-8", "backslashreplace").decode()  # the details must encode, too
            return ParameterError(msg, field=name, value=shown, constraint="UTF-8 encodable text")
    msg = f"the statement is not valid Unicode text ({error.reason})"
    return ParameterError(msg, field="sql", constraint="UTF-8 encodable text")


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
