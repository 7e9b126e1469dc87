"""Oracle's empty string: ``''`` *is* ``NULL`` there, so spine refuses it in SQL text.

On Oracle ``WHERE name = ''`` is never true, ``DEFAULT ''`` is no default and ``''`` into
a ``NOT NULL`` column fails with ORA-01400. Rather than let a statement mean something
else on one target, the compiler refuses an empty string literal when compiling for
Oracle; :func:`spine.storage.sql.binding.bind` applies the same policy to bound values.
Write ``NULL`` (or a sentinel of your own) when that is what you mean.
"""

from __future__ import annotations

from sqlglot import exp

from spine.storage.sql.dialect import Dialect
from spine.storage.sql.errors import UnsupportedSqlError

__all__ = ["refuse_empty_strings"]


def refuse_empty_strings(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """``tree`` unchanged, or ``UnsupportedSqlError`` for a ``''`` literal on Oracle.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> refuse_empty_strings(sql("SELECT 1 FROM t WHERE a = ''").expression, get_dialect("oracle"))
    Traceback (most recent call last):
    ...
    spine.storage.sql.errors.UnsupportedSqlError: the empty string literal '' is not supported by ...
    """
    if dialect.name != "oracle":
        return tree
    for literal in tree.find_all(exp.Literal):
        if literal.is_string and literal.this == "":
            raise UnsupportedSqlError(
                construct="the empty string literal ''",
                dialect=str(dialect),
                reason="Oracle stores '' as NULL; write NULL",
            )
    return tree
