"""spine's sqlglot generators: one per target, each the stock generator plus four habits.

1. **Placeholders** are printed as markers that :mod:`~spine.storage.sql.placeholders`
   turns into the driver's paramstyle once the text is complete.
2. **Types** of the portable vocabulary are spelled from :mod:`~spine.storage.sql.typemap`
   (in column definitions everywhere; in casts too on Oracle and Db2, where the stock
   spelling is wrong: ``VARCHAR2(n)`` counts bytes, ``BIGINT`` is not a type).
3. **Every identifier is quoted** (``identify=True``), after the compiler folded its case.
4. **Nothing is dropped**: ``unsupported_level=RAISE``; the compiler turns sqlglot's
   ``UnsupportedError`` into :class:`~spine.storage.sql.errors.UnsupportedSqlError`.

They also render spine's own nodes: :class:`~spine.storage.sql.nodes.GuardedDdl`
(``IF [NOT] EXISTS`` emulation) and Oracle's ``RETURNING ... INTO`` output binds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Final, cast, override

from sqlglot import exp, generator
from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.dialects.mysql import MySQL
from sqlglot.dialects.oracle import Oracle
from sqlglot.dialects.postgres import Postgres
from sqlglot.dialects.sqlite import SQLite
from sqlglot.errors import ErrorLevel
from sqlglot.generators.mysql import MySQLGenerator
from sqlglot.generators.oracle import OracleGenerator
from sqlglot.generators.postgres import PostgresGenerator
from sqlglot.generators.sqlite import SQLiteGenerator

from spine.storage.sql.db2 import Db2
from spine.storage.sql.dialect import Dialect
from spine.storage.sql.nodes import GuardedDdl, OutBind
from spine.storage.sql.placeholders import END, IN_START, OUT_START
from spine.storage.sql.typemap import from_datatype, render_type

__all__ = ["generate"]

_INDENT: Final = "  "


class _Spine(generator.Generator):
    """The habits every spine generator shares (mixed in before the stock generator)."""

    target: Dialect

    @override
    def placeholder_sql(self, expression: exp.Placeholder) -> str:
        return f"{IN_START}{expression.this}{END}"

    @override
    def datatype_sql(self, expression: exp.DataType) -> str:
        if self.target.name in ("oracle", "db2") or isinstance(expression.parent, exp.ColumnDef):
            portable = from_datatype(expression)
            if portable is not None:
                return render_type(portable, self.target)
        return super().datatype_sql(expression)


def _out_bind_sql(_self: generator.Generator, expression: OutBind) -> str:
    return f"{OUT_START}{expression.name}{END}"


def _guarded_sql(self: _Spine, expression: GuardedDdl) -> str:
    ddl = self.sql(expression, "this")
    if IN_START in ddl:
        self.unsupported("parameters in DDL")
    quoted = "'" + ddl.replace("'", "''") + "'"
    codes = [code.name for code in expression.args["codes"]]
    if self.target.name == "oracle":
        condition = " AND ".join(f"SQLCODE != {code}" for code in codes)
        lines = [
            "BEGIN",
            f"{_INDENT}EXECUTE IMMEDIATE {quoted};",
            "EXCEPTION",
            f"{_INDENT}WHEN OTHERS THEN",
            f"{_INDENT * 2}IF {condition} THEN",
            f"{_INDENT * 3}RAISE;",
            f"{_INDENT * 2}END IF;",
            "END;",
        ]
        return "\n".join(lines)
    handlers = [f"{_INDENT}DECLARE CONTINUE HANDLER FOR SQLSTATE '{code}' BEGIN END;" for code in codes]
    return "\n".join(["BEGIN", *handlers, f"{_INDENT}EXECUTE IMMEDIATE {quoted};", "END"])


type _Handler = Callable[..., str]
_OWN: Final[dict[type[exp.Expr], _Handler]] = {GuardedDdl: _guarded_sql, OutBind: _out_bind_sql}


class _SqliteGenerator(_Spine, SQLiteGenerator):
    TRANSFORMS: ClassVar[dict[type[exp.Expr], _Handler]] = {**SQLiteGenerator.TRANSFORMS, **_OWN}


class _PostgresGenerator(_Spine, PostgresGenerator):
    TRANSFORMS: ClassVar[dict[type[exp.Expr], _Handler]] = {**PostgresGenerator.TRANSFORMS, **_OWN}


class _MySqlGenerator(_Spine, MySQLGenerator):
    TRANSFORMS: ClassVar[dict[type[exp.Expr], _Handler]] = {**MySQLGenerator.TRANSFORMS, **_OWN}


class _OracleGenerator(_Spine, OracleGenerator):
    TRANSFORMS: ClassVar[dict[type[exp.Expr], _Handler]] = {**OracleGenerator.TRANSFORMS, **_OWN}

    @override
    def returning_sql(self, expression: exp.Returning) -> str:
        into: object = expression.args.get("into")
        targets = (
            [b for b in cast("list[object]", into) if isinstance(b, OutBind)]
            if isinstance(into, list)
            else []
        )
        binds = f" INTO {', '.join(self.sql(b) for b in targets)}" if targets else ""
        return f"{super().returning_sql(expression)}{binds}"


class _Db2Generator(_Spine, Db2.Generator):
    TRANSFORMS: ClassVar[dict[type[exp.Expr], _Handler]] = {**Db2.Generator.TRANSFORMS, **_OWN}


_GENERATORS: Final[dict[str, tuple[type[_Spine], SqlglotDialect]]] = {
    "sqlite": (_SqliteGenerator, SQLite()),
    "postgres": (_PostgresGenerator, Postgres()),
    "mysql": (_MySqlGenerator, MySQL()),
    "oracle": (_OracleGenerator, Oracle()),
    "db2": (_Db2Generator, Db2()),
}


def generate(tree: exp.Expr, dialect: Dialect) -> str:
    """SQL text for ``tree`` in ``dialect``, with parameter markers still in place.

    Raises sqlglot's ``UnsupportedError`` for anything the target cannot express.

    >>> from spine.storage.sql.dialect import get_dialect
    >>> generate(exp.select("a").from_("t"), get_dialect("mysql"))
    'SELECT `a` FROM `t`'
    """
    cls, sqlglot_dialect = _GENERATORS[dialect.name]
    gen = cls(dialect=sqlglot_dialect, identify=True, unsupported_level=ErrorLevel.RAISE, max_unsupported=10)
    gen.target = dialect
    return gen.generate(tree, copy=False)
