"""AST nodes sqlglot lacks, for the rewrites spine owns.

sqlglot dispatches generation on the node's class; these classes are not in sqlglot's own
registry, so every generator that may meet one lists it in ``TRANSFORMS``
(:mod:`spine.storage.sql.db2` and :mod:`spine.storage.sql.generators`).

* :class:`DataChangeTable` is Db2's ``FINAL TABLE (INSERT ...)``: the table of rows a
  data-change statement produced, which is how Db2 spells ``RETURNING``.
* :class:`GuardedDdl` is ``CREATE``/``DROP`` that must not fail when the object already
  exists (or is already gone) on a target without ``IF [NOT] EXISTS``: a PL/SQL block on
  Oracle 19, a compound statement with a ``CONTINUE HANDLER`` on Db2.
* :class:`OutBind` is an Oracle ``RETURNING ... INTO`` target variable.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot.expressions.core import Expression

__all__ = ["DataChangeTable", "GuardedDdl", "OutBind"]


class DataChangeTable(Expression):
    """``{FINAL | NEW | OLD} TABLE (<insert, update or delete>)`` (Db2).

    >>> from sqlglot import exp
    >>> node = DataChangeTable(this=exp.insert("VALUES (1)", "t"), kind="FINAL")
    >>> node.text("kind")
    'FINAL'
    """

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "kind": True}


class GuardedDdl(Expression):
    """A ``Create`` or ``Drop`` whose "already exists"/"does not exist" error is ignored.

    ``codes`` lists what to ignore: Oracle error numbers (``955``) or Db2 SQLSTATEs
    (``42710``), as string literals.
    """

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "codes": True}


class OutBind(Expression):
    """An output bind variable (Oracle ``RETURNING ... INTO :name``); ``this`` is the name."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}

    @property
    def name(self) -> str:
        """The variable's name."""
        return str(self.this)
