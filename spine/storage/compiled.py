"""The contract between the SQL compiler (pure) and the connection interpreters (edge).

A ``CompiledQuery`` is dialect SQL text, already in the driver's paramstyle, plus the
order in which named parameters must be bound. Interpreters never parse or rewrite SQL;
they bind ``params[name] for name in param_names`` (positional styles) or pass the mapping
(named styles) and execute.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import msgspec

__all__ = ["CompiledQuery", "Paramstyle", "SqlValue"]

type SqlValue = bool | int | float | str | bytes | Decimal | datetime | date | None
"""A value that crosses the driver boundary, in either direction."""


class Paramstyle(StrEnum):
    """PEP 249 paramstyles spine emits; one per driver."""

    QMARK = "qmark"  # sqlite3, ibm_db: ?
    FORMAT = "format"  # psycopg, PyMySQL: %s
    NUMERIC = "numeric"  # oracledb: :1, :2, ...
    NAMED = "named"  # oracledb: :name


class CompiledQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Dialect SQL ready for one driver.

    ``param_names`` lists, in placeholder order, the named parameter each positional
    placeholder binds (a name may repeat). For ``Paramstyle.NAMED`` it lists each name once.
    ``out_binds`` names the Oracle ``RETURNING ... INTO`` variables the driver must create.
    ``returns_rows`` says whether the statement produces a result set.
    """

    sql: str
    dialect: str
    paramstyle: Paramstyle
    param_names: tuple[str, ...] = ()
    out_binds: tuple[str, ...] = ()
    returns_rows: bool = False
