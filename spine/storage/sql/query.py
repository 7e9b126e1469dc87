"""Read builders: ``select`` (filters, order, limit/offset or keyset paging, locking) and ``count``.

Paging parameters are named ``limit`` and ``offset``. Keyset paging (``after=True``)
continues after the last row of the previous page: for ``order_by=[a, b]`` it adds ``(a >
:after_a) OR (a = :after_a AND b > :after_b)`` (``<`` for descending items), which every
target can use an index for. The ``order_by`` list must end with a unique column.

>>> from spine.storage.sql.compiler import compile
>>> from spine.storage.sql.dialect import get_dialect
>>> from spine.storage.sql.schema import Column, Table
>>> from spine.storage.sql.types import BIGINT, varchar
>>> runs = Table(name="runs", columns=(Column(name="id", type=BIGINT, nullable=False),
...     Column(name="state", type=varchar(20), nullable=False)), primary_key=("id",))
>>> page = select(runs, where=["state"], order_by=["id"], after=True, limit=True)
>>> print(compile(page, get_dialect("db2")).sql)
SELECT "ID", "STATE" FROM "RUNS" WHERE "STATE" = ? AND "ID" > ? ORDER BY "ID" FETCH FIRST ? ROWS ONLY
>>> compile(page, get_dialect("db2")).param_names
('state', 'after_id', 'limit')
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlglot import exp

from spine.core.errors import ValidationError
from spine.storage.sql.predicates import OrderBy, Where, conditions, order_items
from spine.storage.sql.schema import Table
from spine.storage.sql.statement import Statement
from spine.storage.sql.types import BIGINT, SqlType

__all__ = ["count", "select"]


def select(
    table: Table,
    columns: Sequence[str] | None = None,
    /,
    *,
    where: Sequence[Where] = (),
    order_by: Sequence[str | OrderBy] = (),
    limit: bool = False,
    offset: bool = False,
    after: bool = False,
    for_update: bool = False,
    skip_locked: bool = False,
) -> Statement:
    """``SELECT columns FROM table`` with the options above (``columns``: all, in order).

    >>> from spine.storage.sql.schema import Column
    >>> t = Table(name="t", columns=(Column(name="id", type=BIGINT), Column(name="s", type=BIGINT)))
    >>> select(t, ["id"], where=["s"], order_by=["id"], limit=True, offset=True)
    Statement('SELECT id FROM t WHERE s = :s ORDER BY id LIMIT :limit OFFSET :offset')
    """
    chosen = tuple(columns) if columns is not None else tuple(c.name for c in table.columns)
    options = (limit, offset, after, for_update, skip_locked)
    return _select(table, chosen, tuple(where), tuple(order_items(table, order_by)), options)


def count(table: Table, /, *, where: Sequence[Where] = ()) -> Statement:
    """``SELECT COUNT(*) AS n FROM table [WHERE ...]``.

    >>> from spine.storage.sql.compiler import compile
    >>> from spine.storage.sql.dialect import get_dialect
    >>> from spine.storage.sql.schema import Column, Table
    >>> from spine.storage.sql.types import BIGINT
    >>> t = Table(name="t", columns=(Column(name="a", type=BIGINT),))
    >>> compile(count(t, where=["a"]), get_dialect("oracle")).sql
    'SELECT COUNT(*) AS "N" FROM "T" WHERE "A" = :1'
    """
    return _count(table, tuple(where))


@lru_cache(maxsize=1024)
def _count(table: Table, where: tuple[Where, ...]) -> Statement:
    condition, types = conditions(table, where)
    node = exp.select(exp.alias_(exp.Count(this=exp.Star()), "n")).from_(exp.to_table(table.name))
    if condition is not None:
        node = node.where(condition, copy=False)
    return Statement(node, param_types=types)


@lru_cache(maxsize=1024)
def _select(
    table: Table,
    columns: tuple[str, ...],
    where: tuple[Where, ...],
    order: tuple[OrderBy, ...],
    options: tuple[bool, bool, bool, bool, bool],
) -> Statement:
    limit, offset, after, for_update, skip_locked = options
    if not columns:
        msg = f"select from {table.name!r} names no columns"
        raise ValidationError(msg, field="columns", constraint="at least one column")
    node = exp.select(*[exp.column(table.column(c).name) for c in columns]).from_(exp.to_table(table.name))
    condition, types = conditions(table, where)
    if after:
        condition = (
            exp.and_(condition, _keyset(table, order, types)) if condition else _keyset(table, order, types)
        )
    if condition is not None:
        node = node.where(condition, copy=False)
    if order:
        node = node.order_by(*[_ordered(item) for item in order], copy=False)
    if limit:
        node.set("limit", exp.Limit(expression=exp.Placeholder(this="limit")))
        types["limit"] = BIGINT
    if offset:
        node.set("offset", exp.Offset(expression=exp.Placeholder(this="offset")))
        types["offset"] = BIGINT
    if skip_locked and not for_update:
        msg = "skip_locked needs for_update"
        raise ValidationError(msg, field="skip_locked", constraint="for_update=True")
    if for_update:
        node.set("locks", [exp.Lock(update=True, wait=False if skip_locked else None)])
    return Statement(node, param_types=types)


def _ordered(item: OrderBy) -> exp.Ordered:
    return exp.Ordered(
        this=exp.column(item.column), desc=True if item.descending else None, nulls_first=False
    )


def _keyset(table: Table, order: tuple[OrderBy, ...], types: dict[str, SqlType]) -> exp.Expr:
    if not order:
        msg = "keyset paging (after=True) needs an order_by ending with a unique column"
        raise ValidationError(msg, field="order_by", constraint="non-empty")
    branches: list[exp.Expr] = []
    for position, item in enumerate(order):
        parts: list[exp.Expr] = [
            exp.column(prior.column).eq(exp.Placeholder(this=f"after_{prior.column}"))
            for prior in order[:position]
        ]
        bound = exp.Placeholder(this=f"after_{item.column}")
        compare = exp.LT if item.descending else exp.GT
        parts.append(compare(this=exp.column(item.column), expression=bound))
        branches.append(exp.and_(*parts) if len(parts) > 1 else parts[0])
        types[f"after_{item.column}"] = table.column(item.column).type
    return exp.or_(*branches) if len(branches) > 1 else branches[0]
