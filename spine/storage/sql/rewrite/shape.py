"""Small structural rewrites: paging, ``SELECT`` without ``FROM``, identifier case.

* **Paging** on Oracle and Db2: ``LIMIT m OFFSET n`` becomes ``OFFSET n ROWS FETCH NEXT m
  ROWS ONLY`` (``FETCH FIRST`` without an offset). sqlglot would print ``FETCH FIRST``
  either way; both are valid, ``NEXT`` reads right after an offset. MySQL has no
  ``OFFSET`` without ``LIMIT``: it gets the documented "all rows" limit, 2^64 - 1.
* **Locking reads** the target rejects are refused: Oracle's row-limiting clause cannot be
  combined with ``FOR UPDATE`` (ORA-02014), and on Db2 an ``ORDER BY`` makes the cursor
  read-only, so ``FOR UPDATE`` fails (SQL0511N). Fetch the first rows of an unlimited
  ``FOR UPDATE SKIP LOCKED`` cursor instead (Oracle), or drop the ``ORDER BY`` (Db2).
* **Dummy table** on Oracle: ``SELECT :a`` reads ``FROM dual`` (optional only from 23ai).
  The Db2 generator adds ``SYSIBM.SYSDUMMY1`` itself.
* **Identifier case**: every unquoted identifier is folded the way the target folds
  unquoted names (upper on Oracle and Db2, lower elsewhere), so that the always-quoting
  generator produces the very names an unquoted DDL script would have created. A quoted
  all-lower-case name means, in canonical (PostgreSQL) SQL, the same object as the
  unquoted one (``"user"`` is the table ``user``), so it folds too; a quoted name with an
  upper-case letter (``"Mixed"``) is case-sensitive and kept exactly.
"""

from __future__ import annotations

from sqlglot import exp

from spine.storage.sql.dialect import Dialect, features
from spine.storage.sql.errors import UnsupportedSqlError

__all__ = ["add_dummy_table", "fold_identifiers", "paging"]

_UPPER = frozenset({"oracle", "db2"})
_MYSQL_ALL_ROWS = 2**64 - 1


def paging(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """``LIMIT``/``OFFSET`` as ``OFFSET n ROWS FETCH NEXT m ROWS ONLY`` where that is the form.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> tree = sql("SELECT a FROM t LIMIT :n OFFSET :o").expression.copy()
    >>> paging(tree, get_dialect("oracle")).sql("oracle")
    'SELECT a FROM t OFFSET :o ROWS FETCH NEXT :n ROWS ONLY'
    """
    for query in tree.find_all(exp.Select):
        _check_locking(query, dialect)
    if dialect.name == "mysql":
        for query in list(tree.find_all(exp.Select)):
            if query.args.get("offset") and not query.args.get("limit"):
                query.set("limit", exp.Limit(expression=exp.Literal.number(_MYSQL_ALL_ROWS)))
        return tree
    if not features(dialect).fetch_paging:
        return tree
    for query in list(tree.find_all(exp.Select)):
        limit = query.args.get("limit")
        if isinstance(limit, exp.Limit):
            direction = "NEXT" if query.args.get("offset") else "FIRST"
            query.set("limit", exp.Fetch(direction=direction, count=limit.expression))
    return tree


def _check_locking(query: exp.Select, dialect: Dialect) -> None:
    if not query.args.get("locks"):
        return
    if dialect.name == "oracle" and (query.args.get("limit") or query.args.get("offset")):
        raise UnsupportedSqlError(
            construct="LIMIT/OFFSET with FOR UPDATE", dialect=str(dialect), reason="ORA-02014"
        )
    if dialect.name == "db2" and query.args.get("order"):
        raise UnsupportedSqlError(
            construct="ORDER BY with FOR UPDATE", dialect=str(dialect), reason="a read-only cursor"
        )


def add_dummy_table(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Give every ``SELECT`` without ``FROM`` Oracle's ``dual``.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> add_dummy_table(sql("SELECT :a").expression.copy(), get_dialect("oracle")).sql("oracle")
    'SELECT :a FROM dual'
    """
    if dialect.name != "oracle":
        return tree
    for query in list(tree.find_all(exp.Select)):
        if not query.args.get("from_") and query.expressions:
            query.set("from_", exp.From(this=exp.to_table("dual")))
    return tree


def fold_identifiers(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Fold unquoted identifiers to the case ``dialect`` folds them to.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> fold_identifiers(sql("SELECT Id FROM users").expression.copy(), get_dialect("db2")).sql()
    'SELECT ID FROM USERS'
    """
    upper = dialect.name in _UPPER
    for identifier in tree.find_all(exp.Identifier):
        text = identifier.name
        if not identifier.quoted or text == text.lower():
            identifier.set("this", text.upper() if upper else text.lower())
    return tree
