"""``RETURNING``: rows back from INSERT, UPDATE and DELETE, the way each target gives them.

==========  ===============================================================================
target      rendering
==========  ===============================================================================
sqlite, pg  ``... RETURNING a, b`` (SQLite 3.35+)
MariaDB     ``INSERT/DELETE ... RETURNING``; ``UPDATE ... RETURNING`` does not exist: refused
MySQL 8.0   no ``RETURNING`` at all: refused (use ``lastrowid`` or a second ``SELECT``)
Oracle      ``... RETURNING a, b INTO :a, :b`` (``:3, :4`` with numeric binds): output
            binds named after the columns, listed in ``CompiledQuery.out_binds`` and at
            their place in ``param_names``; the interpreter creates a ``cursor.var()`` for
            each. The statement returns no result set
Db2         ``SELECT a, b FROM FINAL TABLE (INSERT ...)`` (``OLD TABLE`` for ``DELETE``),
            done by the Db2 generator: one round trip, a normal result set
==========  ===============================================================================
"""

from __future__ import annotations

from typing import Final

from sqlglot import exp

from spine.storage.sql.dialect import Dialect, features
from spine.storage.sql.errors import UnsupportedSqlError
from spine.storage.sql.nodes import OutBind

__all__ = ["rewrite_returning"]

_KINDS: Final[dict[type[exp.Expr], str]] = {exp.Insert: "insert", exp.Update: "update", exp.Delete: "delete"}


def rewrite_returning(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Refuse or reshape ``RETURNING`` for ``dialect``.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> tree = sql("INSERT INTO t (a) VALUES (:a) RETURNING id").expression.copy()
    >>> rewrite_returning(tree, get_dialect("oracle")).args["returning"].args["into"]
    [OutBind(this=id)]
    """
    returning = tree.args.get("returning")
    kind = _KINDS.get(type(tree))
    if returning is None or kind is None or dialect.name == "db2":
        return tree
    if dialect.name != "oracle":
        if kind not in features(dialect).returning:
            raise UnsupportedSqlError(construct=f"{kind.upper()} ... RETURNING", dialect=str(dialect))
        return tree
    binds: list[exp.Expr] = []
    for item in returning.expressions:
        name = item.alias_or_name
        if not name or not isinstance(item.unalias(), exp.Column):
            raise UnsupportedSqlError(
                construct=f"RETURNING {item.sql()!r}",
                dialect=str(dialect),
                reason="Oracle returns columns INTO binds",
            )
        binds.append(OutBind(this=name))
    returning.set("expressions", [item.unalias() for item in returning.expressions])
    returning.set("into", binds)
    return tree
