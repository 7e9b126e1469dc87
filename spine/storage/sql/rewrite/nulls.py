"""Null ordering: say nothing about NULL placement unless the author did.

sqlglot stores, on every ``ORDER BY`` item, where NULLs go *in the source dialect* and,
when the target's default differs, spells that out: ``NULLS LAST`` on SQLite, a ``CASE
WHEN x IS NULL ...`` sort key on MySQL (correct, but it defeats the index), and the same
noise inside index column lists and ``ON CONFLICT`` targets, where it is a syntax error.
spine's canonical SQL has no source dialect for NULL placement: an item the author did
not qualify sorts NULLs wherever the target naturally puts them. So before generation,
every such item gets the target's natural placement and sqlglot prints nothing.

An explicit ``NULLS FIRST/LAST`` in a query is honoured (sqlglot emulates it on MySQL).
Inside a key list (index, primary key, unique, ``ON CONFLICT``) it is refused except on
PostgreSQL, the one target whose index definitions take it.
"""

from __future__ import annotations

from sqlglot import exp

from spine.storage.sql.dialect import Dialect
from spine.storage.sql.errors import UnsupportedSqlError
from spine.storage.sql.statement import EXPLICIT_NULLS

__all__ = ["natural_null_ordering"]

_NULLS_ARE_LARGE = frozenset({"postgres", "oracle", "db2"})
_KEY_LISTS = (exp.IndexParameters, exp.OnConflict, exp.PrimaryKey, exp.UniqueColumnConstraint)


def natural_null_ordering(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Give every ``ORDER BY`` item the author did not qualify the target's natural placement.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> tree = sql("SELECT a FROM t ORDER BY a, b DESC").expression.copy()
    >>> natural_null_ordering(tree, get_dialect("sqlite")).sql("sqlite")
    'SELECT a FROM t ORDER BY a, b DESC'
    """
    large = dialect.name in _NULLS_ARE_LARGE
    for ordered in tree.find_all(exp.Ordered):
        explicit = bool(ordered.meta_get(EXPLICIT_NULLS))
        in_key_list = ordered.find_ancestor(*_KEY_LISTS) is not None
        if explicit and in_key_list and dialect.name != "postgres":
            raise UnsupportedSqlError(
                construct="NULLS FIRST/LAST in a key or index column list", dialect=str(dialect)
            )
        if not explicit:
            descending = bool(ordered.args.get("desc"))
            ordered.set("nulls_first", descending if large else not descending)
    return tree
