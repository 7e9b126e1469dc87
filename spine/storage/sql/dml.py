"""Write builders: ``insert``, ``update``, ``delete`` and ``upsert`` over a :class:`Table`.

Each builds a canonical :class:`Statement` with one named parameter per value (named after
its column) and the parameter types taken from the table, so Db2's ``MERGE`` gets typed
markers. Builders are memoised on their (hashable) arguments: calling one again with
equal arguments returns the *same* statement, whose compiled forms are already cached, so
even a repository that builds statements per call pays sqlglot once.

>>> from spine.storage.sql.compiler import compile
>>> from spine.storage.sql.dialect import get_dialect
>>> from spine.storage.sql.schema import Column, Table
>>> from spine.storage.sql.types import BIGINT, varchar
>>> kv = Table(name="kv", columns=(Column(name="k", type=varchar(50), nullable=False),
...     Column(name="v", type=BIGINT)), primary_key=("k",))
>>> compile(upsert(kv, ["k", "v"], key_columns=["k"]), get_dialect("mysql")).sql
'INSERT INTO `kv` (`k`, `v`) VALUES (%s, %s) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)'
>>> upsert(kv, ["k", "v"], key_columns=["k"]) is upsert(kv, ("k", "v"), key_columns=("k",))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlglot import exp

from spine.core.errors import ValidationError
from spine.storage.sql.predicates import Where, conditions
from spine.storage.sql.schema import Table
from spine.storage.sql.statement import Statement
from spine.storage.sql.types import SqlType

__all__ = ["delete", "insert", "update", "upsert"]


def insert(
    table: Table, columns: Sequence[str] | None = None, /, *, returning: Sequence[str] = ()
) -> Statement:
    """``INSERT INTO t (c, ...) VALUES (:c, ...) [RETURNING r, ...]``.

    ``columns`` defaults to every column except the identity column.

    >>> from spine.storage.sql.schema import Column
    >>> from spine.storage.sql.types import BIGINT, TEXT
    >>> t = Table(name="t", columns=(Column(name="id", type=BIGINT, nullable=False, identity=True),
    ...     Column(name="body", type=TEXT)), primary_key=("id",))
    >>> insert(t, returning=["id"]).params
    ('body',)
    """
    chosen = tuple(columns) if columns is not None else tuple(c.name for c in table.columns if not c.identity)
    return _insert(table, chosen, tuple(returning))


def update(
    table: Table, set_columns: Sequence[str], /, *, where: Sequence[Where], returning: Sequence[str] = ()
) -> Statement:
    """``UPDATE t SET c = :c, ... WHERE ...``. An empty ``where`` is refused (use ``sql()``).

    >>> from spine.storage.sql.predicates import Cmp
    >>> from spine.storage.sql.schema import Column
    >>> from spine.storage.sql.types import BIGINT
    >>> t = Table(name="t", columns=(Column(name="id", type=BIGINT), Column(name="v", type=BIGINT)))
    >>> update(t, ["v"], where=["id", Cmp("v", param="old_v")]).params
    ('v', 'id', 'old_v')
    """
    return _update(table, tuple(set_columns), tuple(where), tuple(returning))


def delete(table: Table, /, *, where: Sequence[Where], returning: Sequence[str] = ()) -> Statement:
    """``DELETE FROM t WHERE ...``. An empty ``where`` is refused (use ``sql()``).

    >>> from spine.storage.sql.schema import Column
    >>> from spine.storage.sql.types import BIGINT
    >>> delete(Table(name="t", columns=(Column(name="id", type=BIGINT),)), where=["id"])
    Statement('DELETE FROM t WHERE id = :id')
    """
    return _delete(table, tuple(where), tuple(returning))


def upsert(
    table: Table,
    columns: Sequence[str],
    /,
    *,
    key_columns: Sequence[str],
    update_columns: Sequence[str] | None = None,
) -> Statement:
    """Insert, or update ``update_columns`` (default: the non-key ``columns``) on a key clash.

    With no column to update it is ``DO NOTHING``. Rendered per target as ``ON CONFLICT``,
    ``ON DUPLICATE KEY UPDATE`` or ``MERGE``.

    >>> from spine.storage.sql.schema import Column
    >>> from spine.storage.sql.types import BIGINT
    >>> t = Table(name="t", columns=(Column(name="k", type=BIGINT, nullable=False),), primary_key=("k",))
    >>> upsert(t, ["k"], key_columns=["k"])
    Statement('INSERT INTO t (k) VALUES (:k) ON CONFLICT(k) DO NOTHING')
    """
    keys = tuple(key_columns)
    updates = (
        tuple(update_columns) if update_columns is not None else tuple(c for c in columns if c not in keys)
    )
    return _upsert(table, tuple(columns), keys, updates)


def _values(table: Table, columns: tuple[str, ...]) -> tuple[exp.Schema, exp.Values, dict[str, SqlType]]:
    if not columns or len(set(columns)) != len(columns):
        msg = f"insert into {table.name!r} needs distinct columns, got {list(columns)}"
        raise ValidationError(msg, field="columns", value=list(columns), constraint="distinct, non-empty")
    types = {name: table.column(name).type for name in columns}
    schema = exp.Schema(this=exp.to_table(table.name), expressions=[exp.to_identifier(c) for c in columns])
    row = exp.Tuple(expressions=[exp.Placeholder(this=c) for c in columns])
    return schema, exp.Values(expressions=[row]), types


def _returning(table: Table, node: exp.Expr, returning: tuple[str, ...]) -> exp.Expr:
    if returning:
        node.set(
            "returning", exp.Returning(expressions=[exp.column(table.column(c).name) for c in returning])
        )
    return node


def _required_where(table: Table, where: tuple[Where, ...], verb: str) -> tuple[exp.Expr, dict[str, SqlType]]:
    condition, types = conditions(table, where)
    if condition is None:
        msg = f"{verb} on {table.name!r} without a WHERE: write it with sql() if every row is meant"
        raise ValidationError(msg, field="where", constraint="at least one condition")
    return condition, types


@lru_cache(maxsize=1024)
def _insert(table: Table, columns: tuple[str, ...], returning: tuple[str, ...]) -> Statement:
    schema, values, types = _values(table, columns)
    node = _returning(table, exp.Insert(this=schema, expression=values), returning)
    return Statement(node, param_types=types)


@lru_cache(maxsize=1024)
def _update(
    table: Table, set_columns: tuple[str, ...], where: tuple[Where, ...], returning: tuple[str, ...]
) -> Statement:
    if not set_columns:
        msg = f"update of {table.name!r} sets no column"
        raise ValidationError(msg, field="set_columns", constraint="at least one column")
    condition, types = _required_where(table, where, "update")
    clash = sorted(set(set_columns) & set(types))
    if clash:
        msg = (
            f"parameter :{clash[0]} is both a new value and a WHERE value; "
            "name the WHERE one with Cmp(param=...)"
        )
        raise ValidationError(msg, field="where", value=clash[0], constraint="unique parameter names")
    assignments = [exp.EQ(this=exp.column(c), expression=exp.Placeholder(this=c)) for c in set_columns]
    types.update({c: table.column(c).type for c in set_columns})
    node = exp.Update(this=exp.to_table(table.name), expressions=assignments, where=exp.Where(this=condition))
    return Statement(_returning(table, node, returning), param_types=types)


@lru_cache(maxsize=1024)
def _delete(table: Table, where: tuple[Where, ...], returning: tuple[str, ...]) -> Statement:
    condition, types = _required_where(table, where, "delete")
    node = exp.Delete(this=exp.to_table(table.name), where=exp.Where(this=condition))
    return Statement(_returning(table, node, returning), param_types=types)


@lru_cache(maxsize=1024)
def _upsert(
    table: Table, columns: tuple[str, ...], keys: tuple[str, ...], updates: tuple[str, ...]
) -> Statement:
    schema, values, types = _values(table, columns)
    outside = [c for c in (*keys, *updates) if c not in columns]
    if not keys or outside:
        msg = f"upsert keys and update columns must be among the inserted columns, got {outside or 'no keys'}"
        raise ValidationError(msg, field="key_columns", value=outside, constraint="subset of columns")
    lobs = [k for k in keys if not table.column(k).type.indexable]
    if lobs:
        msg = f"upsert key {lobs[0]!r} is {table.column(lobs[0]).type}, which Oracle and Db2 cannot compare"
        raise ValidationError(msg, field="key_columns", value=lobs[0], constraint="indexable type")
    if set(keys) & set(updates):
        msg = "an upsert cannot update its own key columns"
        raise ValidationError(msg, field="update_columns", value=sorted(set(keys) & set(updates)))
    assignments = [exp.EQ(this=exp.column(c), expression=exp.column(c, "excluded")) for c in updates]
    conflict = exp.OnConflict(
        conflict_keys=[exp.Ordered(this=exp.column(k), nulls_first=False) for k in keys],
        action=exp.var("DO UPDATE" if updates else "DO NOTHING"),
        expressions=assignments,
    )
    return Statement(exp.Insert(this=schema, expression=values, conflict=conflict), param_types=types)
