"""Typed parameter markers on Db2: ``CAST(? AS type)`` where Db2 cannot infer a type.

Db2 types a parameter marker from its context: the column it is assigned to, the other
side of a comparison. In a select list (``SELECT ? AS label``, ``INSERT ... SELECT ?, ...``)
there is no context and the statement fails to prepare (SQL0418N). There the marker
becomes ``CAST(? AS <type>)``, the type coming from the statement's ``param_types``; a
marker without a known type is refused at compile time rather than at run time. (The
``MERGE`` source of an upsert is typed by :mod:`.upsert` the same way.)
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from spine.storage.sql.dialect import Dialect
from spine.storage.sql.errors import UnsupportedSqlError
from spine.storage.sql.typemap import to_datatype
from spine.storage.sql.types import SqlType

__all__ = ["type_select_markers"]


def type_select_markers(tree: exp.Expr, dialect: Dialect, param_types: Mapping[str, SqlType]) -> exp.Expr:
    """Cast parameter markers in select lists to their declared type (Db2 only).

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> from spine.storage.sql.types import varchar
    >>> stmt = sql("SELECT :label AS label", param_types={"label": varchar(10)})
    >>> type_select_markers(stmt.expression.copy(), get_dialect("db2"), stmt.param_types).sql()
    'SELECT CAST(:label AS VARCHAR(10)) AS label'
    """
    if dialect.name != "db2":
        return tree
    for marker in list(tree.find_all(exp.Placeholder)):
        parent = marker.parent
        while isinstance(parent, exp.Paren):
            parent = parent.parent
        owner = parent.parent if isinstance(parent, exp.Alias) else parent
        if not isinstance(owner, exp.Select) or marker.find_ancestor(exp.Cast) is not None:
            continue
        sql_type = param_types.get(str(marker.this))
        if sql_type is None:
            raise UnsupportedSqlError(
                construct=f"untyped parameter :{marker.this} in a select list",
                dialect=str(dialect),
                reason="Db2 cannot type it (SQL0418N); pass param_types",
            )
        marker.replace(exp.Cast(this=marker.copy(), to=to_datatype(sql_type)))
    return tree
