"""Placeholders: the driver's paramstyle, and the order parameters bind in.

The generators never print a placeholder directly: they print a marker (a private-use
character, the name, another private-use character), and :func:`render_placeholders`
rewrites the finished text left to right. Reading the order off the final text, rather
than off the order sqlglot happens to visit nodes in, makes ``param_names`` right even
where a rewrite moves clauses (Oracle prints ``OFFSET`` before ``FETCH``, PostgreSQL
``LIMIT`` before ``OFFSET``).

=========  =====================  ============================================
paramstyle placeholder            ``param_names``
=========  =====================  ============================================
qmark      ``?``                  one entry per placeholder (names may repeat)
format     ``%s``                 one per placeholder; literal ``%`` doubled
numeric    ``:1``, ``:2``, ...    one per placeholder, output binds included
named      ``:name``              each name once, output binds included
=========  =====================  ============================================

Output binds (Oracle ``RETURNING ... INTO``) are named after the returned columns and
are *also* listed in ``out_binds``. ``RETURNING ... INTO`` always ends the statement, so
under ``numeric`` the *last* ``len(out_binds)`` entries of ``param_names`` are the output
positions (an input and an output may share a name: ``DELETE ... WHERE id = :1 RETURNING
id INTO :2``); the interpreter binds ``params[name]`` before them and a fresh
``cursor.var()`` at them. Under ``named`` a shared name would bind one variable twice, so
that is refused at compile time.

``format`` drivers (psycopg, PyMySQL) treat ``%`` as special whenever parameters are
passed, so every literal ``%`` is written ``%%``; interpreters must therefore always pass
a parameter sequence, an empty one for a statement without parameters.
"""

from __future__ import annotations

import re
from typing import Final

from spine.core.errors import ValidationError
from spine.storage.compiled import Paramstyle
from spine.storage.sql.dialect import Dialect
from spine.storage.sql.errors import UnsupportedSqlError

__all__ = ["END", "IN_START", "ORACLE_RESERVED", "OUT_START", "render_placeholders"]

IN_START: Final = "\ue000"
OUT_START: Final = "\ue001"
END: Final = "\ue002"
_MARKER: Final = re.compile(f"([{IN_START}{OUT_START}])([a-z0-9_]+){END}")
_ANY_MARKER: Final = re.compile(f"[{IN_START}{OUT_START}{END}]")

_RESERVED_WORDS: Final = """
ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN
COLUMN_VALUE COMMENT COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC
DISTINCT DROP ELSE EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED
IMMEDIATE IN INCREMENT INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK
LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY NESTED_TABLE_ID NOAUDIT NOCOMPRESS NOT
NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR PUBLIC RAW RENAME
RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT START
SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE
VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH
"""
ORACLE_RESERVED: Final = frozenset(_RESERVED_WORDS.split())
"""Oracle's SQL reserved words (SQL Language Reference, appendix D): not usable as ``:name``."""


def render_placeholders(text: str, dialect: Dialect) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Replace parameter markers with ``dialect``'s paramstyle.

    Returns the SQL, every placeholder's name in binding order (output binds included) and
    the output bind names.

    >>> from spine.storage.sql.dialect import get_dialect
    >>> marked = f"SELECT 1 FROM t WHERE a = {IN_START}a{END} AND b LIKE '5%'"
    >>> render_placeholders(marked, get_dialect("postgres"))
    ("SELECT 1 FROM t WHERE a = %s AND b LIKE '5%%'", ('a',), ())
    >>> render_placeholders(marked, get_dialect("oracle", paramstyle="named"))[0]
    "SELECT 1 FROM t WHERE a = :a AND b LIKE '5%'"
    """
    style = dialect.paramstyle
    if style is Paramstyle.FORMAT:
        text = text.replace("%", "%%")
    names: list[str] = []
    outs: list[str] = []

    def replace(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        if style is Paramstyle.NAMED and kind == OUT_START and name in names:
            raise UnsupportedSqlError(
                construct=f"RETURNING {name} INTO :{name} while :{name} is also an input parameter",
                dialect=f"{dialect} (named)",
                reason="one name would bind twice; use the numeric paramstyle",
            )
        names.append(name)
        if kind == OUT_START:
            outs.append(name)
        if style is Paramstyle.NUMERIC:
            return f":{len(names)}"
        if style is Paramstyle.NAMED:
            if dialect.name == "oracle" and name.upper() in ORACLE_RESERVED:
                raise UnsupportedSqlError(
                    construct=f"bind variable :{name}",
                    dialect=str(dialect),
                    reason="an Oracle reserved word (ORA-01745)",
                )
            return f":{name}"
        if kind == OUT_START:
            raise UnsupportedSqlError(construct="output bind variables", dialect=f"{dialect} ({style})")
        return "?" if style is Paramstyle.QMARK else "%s"

    rendered = _MARKER.sub(replace, text)
    if _ANY_MARKER.search(rendered):
        msg = "SQL text contains a reserved private-use character (U+E000-U+E002)"
        raise ValidationError(msg, field="sql", constraint="no U+E000-U+E002")
    if style is Paramstyle.NAMED:
        names = list(dict.fromkeys(names))
    return rendered, tuple(names), tuple(outs)
