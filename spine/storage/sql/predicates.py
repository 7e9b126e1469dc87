"""Typed ``WHERE`` and ``ORDER BY`` items for the DML builders.

A ``where`` item is a column name (``"status"`` means ``status = :status``), a
:class:`Cmp` (any comparison, with an explicit parameter name when the default would
clash), or an :class:`IsNull`. Items are combined with ``AND``. Every value is a bound
parameter; the builders never put a value into SQL text.

>>> from spine.storage.sql.compiler import compile
>>> from spine.storage.sql.dialect import get_dialect
>>> from spine.storage.sql.dml import delete
>>> from spine.storage.sql.schema import Column, Table
>>> from spine.storage.sql.types import BIGINT, TIMESTAMPTZ
>>> jobs = Table(name="jobs", columns=(Column(name="id", type=BIGINT, nullable=False),
...     Column(name="done_at", type=TIMESTAMPTZ)), primary_key=("id",))
>>> stmt = delete(jobs, where=[Cmp("done_at", "<", param="cutoff"), IsNull("done_at", negated=True)])
>>> compile(stmt, get_dialect("sqlite")).sql
'DELETE FROM "jobs" WHERE "done_at" < ? AND NOT "done_at" IS NULL'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import msgspec
from sqlglot import exp

from spine.core.errors import ValidationError
from spine.storage.sql.identifiers import identifier
from spine.storage.sql.schema import Table
from spine.storage.sql.types import SqlType

__all__ = ["Cmp", "IsNull", "OrderBy", "Where", "conditions", "order_items"]

type Operator = Literal["=", "<>", "<", "<=", ">", ">="]

_OPERATORS: Final[dict[str, type[exp.Binary]]] = {
    "=": exp.EQ,
    "<>": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


class Cmp(msgspec.Struct, frozen=True):
    """``column <op> :param`` (``param`` defaults to the column's name)."""

    column: str
    op: Operator = "="
    param: str | None = None

    def __post_init__(self) -> None:
        if self.op not in _OPERATORS:
            msg = f"unknown comparison operator {self.op!r}"
            raise ValidationError(msg, field="op", value=self.op, constraint=" ".join(_OPERATORS))


class IsNull(msgspec.Struct, frozen=True):
    """``column IS NULL`` (``NOT column IS NULL`` when ``negated``)."""

    column: str
    negated: bool = False


class OrderBy(msgspec.Struct, frozen=True):
    """One ``ORDER BY`` item; NULLs sort where the target puts them naturally."""

    column: str
    descending: bool = False


type Where = str | Cmp | IsNull


def conditions(table: Table, where: Sequence[Where]) -> tuple[exp.Expr | None, dict[str, SqlType]]:
    """The ``AND`` of ``where`` over ``table`` and the types of the parameters it binds.

    >>> from spine.storage.sql.schema import Column
    >>> from spine.storage.sql.types import BIGINT
    >>> t = Table(name="t", columns=(Column(name="a", type=BIGINT),))
    >>> condition, types = conditions(t, ["a", IsNull("a")])
    >>> condition.sql(), list(types)
    ('a = :a AND a IS NULL', ['a'])
    """
    parts: list[exp.Expr] = []
    types: dict[str, SqlType] = {}
    for item in where:
        if isinstance(item, IsNull):
            test = exp.Is(this=_column(table, item.column), expression=exp.Null())
            parts.append(exp.Not(this=test) if item.negated else test)
            continue
        cmp = Cmp(item) if isinstance(item, str) else item
        param = identifier(cmp.param or cmp.column, field="param")
        if param in types:
            msg = f"parameter :{param} is bound twice in one WHERE; name one with Cmp(..., param=...)"
            raise ValidationError(msg, field="param", value=param, constraint="unique parameter names")
        types[param] = table.column(cmp.column).type
        operator = _OPERATORS[cmp.op]
        parts.append(operator(this=_column(table, cmp.column), expression=exp.Placeholder(this=param)))
    return (exp.and_(*parts) if parts else None), types


def order_items(table: Table, order_by: Sequence[str | OrderBy]) -> list[OrderBy]:
    """``order_by`` as :class:`OrderBy` items over existing columns of ``table``.

    >>> from spine.storage.sql.schema import Column
    >>> from spine.storage.sql.types import BIGINT
    >>> order_items(Table(name="t", columns=(Column(name="a", type=BIGINT),)), ["a"])
    [OrderBy(column='a', descending=False)]
    """
    items = [OrderBy(item) if isinstance(item, str) else item for item in order_by]
    for item in items:
        table.column(item.column)
    return items


def _column(table: Table, name: str) -> exp.Column:
    table.column(name)
    return exp.column(name)
