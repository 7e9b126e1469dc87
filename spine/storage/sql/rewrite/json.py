"""JSON access: PostgreSQL's ``->`` and ``->>`` as the SQL/JSON functions other targets have.

sqlglot renders ``meta ->> 'k'`` as ``JSON_EXTRACT_SCALAR(...)`` for Oracle and Db2
(no such function) and keeps ``->>`` for MySQL (MariaDB has none). The SQL/JSON standard
functions exist on all three: ``JSON_VALUE(doc, '$.k')`` for a scalar (``->>``) and
``JSON_QUERY(doc, '$.k')`` for a fragment (``->``, Oracle and Db2; MySQL keeps its
native ``JSON_EXTRACT``). Chains (``meta -> 'a' ->> 'b'``) become one path (``'$.a.b'``).
SQLite (3.38+) and PostgreSQL keep the operators.
"""

from __future__ import annotations

import re
from typing import Final

from sqlglot import exp

from spine.storage.sql.dialect import Dialect
from spine.storage.sql.errors import UnsupportedSqlError

__all__ = ["json_functions"]

_PLAIN_KEY: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_functions(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Rewrite ``->>``/``->`` into ``JSON_VALUE``/``JSON_QUERY`` where the operators are missing.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> tree = sql("SELECT meta -> 'a' ->> 'b' FROM runs").expression.copy()
    >>> json_functions(tree, get_dialect("oracle")).sql("oracle")
    "SELECT JSON_VALUE(meta, '$.a.b') FROM runs"
    """
    if dialect.name not in ("mysql", "oracle", "db2"):
        return tree
    for node in list(tree.find_all(exp.JSONExtractScalar)):
        node.replace(_call("JSON_VALUE", node, dialect))
    if dialect.name != "mysql":
        for fragment in list(tree.find_all(exp.JSONExtract)):
            fragment.replace(_call("JSON_QUERY", fragment, dialect))
    return tree


def _call(name: str, node: exp.Expr, dialect: Dialect) -> exp.Expr:
    keys: list[str] = []
    subject = node
    while isinstance(subject, exp.JSONExtract | exp.JSONExtractScalar):
        keys[:0] = _path(subject.expression, dialect)
        subject = subject.this
    return exp.Anonymous(this=name, expressions=[subject.copy(), exp.Literal.string("$" + "".join(keys))])


def _path(path: exp.Expr, dialect: Dialect) -> list[str]:
    if isinstance(path, exp.Literal) and path.is_string:
        return [_key(path.name)]
    if not isinstance(path, exp.JSONPath):
        raise UnsupportedSqlError(construct=f"JSON path {path.sql()!r}", dialect=str(dialect))
    parts: list[str] = []
    for part in path.expressions:
        if isinstance(part, exp.JSONPathRoot):
            continue
        if isinstance(part, exp.JSONPathKey):
            parts.append(_key(str(part.this)))
        elif isinstance(part, exp.JSONPathSubscript) and isinstance(part.this, int):
            parts.append(f"[{part.this}]")
        else:
            raise UnsupportedSqlError(construct=f"JSON path part {part.sql()!r}", dialect=str(dialect))
    return parts


def _key(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return f".{key}"
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'."{escaped}"'
