"""Upsert: canonical ``INSERT ... ON CONFLICT (k) DO UPDATE/NOTHING`` for every target.

=============  =================================================================
target         rendering
=============  =================================================================
sqlite, pg     unchanged (``ON CONFLICT (k) DO UPDATE SET c = EXCLUDED.c``)
MariaDB        ``ON DUPLICATE KEY UPDATE c = VALUES(c)``; ``DO NOTHING`` becomes
               ``ON DUPLICATE KEY UPDATE k = k`` (``INSERT IGNORE`` would also swallow
               unrelated errors); MariaDB rejects MySQL 8's row alias
MySQL 8.0      ``VALUES (...) AS excluded ON DUPLICATE KEY UPDATE c = excluded.c``
               (``VALUES()`` is deprecated from 8.0.20)
Oracle         ``MERGE INTO t tgt USING (SELECT :k AS k, ... FROM dual) src
               ON (tgt.k = src.k) WHEN MATCHED THEN UPDATE SET c = src.c
               WHEN NOT MATCHED THEN INSERT (k, c) VALUES (src.k, src.c)``
Db2            the same ``MERGE``, with ``USING (VALUES (CAST(? AS type), ...)) AS
               src(k, ...)``: Db2 cannot type a bare parameter marker there (SQL0418N),
               so every parameter of the source needs a known type
=============  =================================================================

On the MySQL family the conflict target is not part of the statement: *any* unique key
collision takes the update branch. Key columns are never assigned in a ``MERGE`` (Oracle:
ORA-38104); ``k = EXCLUDED.k`` is a no-op there and is left out, any other assignment to a
key column is refused. A ``WHERE`` on the conflict branch is only rendered where it exists
(SQLite, PostgreSQL), ``ON CONSTRAINT`` only on PostgreSQL; elsewhere they are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, cast

from sqlglot import exp

from spine.storage.sql.dialect import Dialect, features
from spine.storage.sql.errors import UnsupportedSqlError
from spine.storage.sql.typemap import to_datatype
from spine.storage.sql.types import SqlType

__all__ = ["rewrite_upsert"]

_TARGET: Final = "tgt"
_SOURCE: Final = "src"
_EXCLUDED: Final = "excluded"


def rewrite_upsert(tree: exp.Expr, dialect: Dialect, param_types: Mapping[str, SqlType]) -> exp.Expr:
    """Render ``ON CONFLICT`` the way ``dialect`` spells an upsert.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> s = sql("INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")
    >>> rewrite_upsert(s.expression.copy(), get_dialect("mysql"), {}).sql("mysql")
    'INSERT INTO kv (k, v) VALUES (:k, :v) ON DUPLICATE KEY UPDATE v = VALUES(v)'
    """
    conflict = tree.args.get("conflict")
    if not isinstance(tree, exp.Insert) or not isinstance(conflict, exp.OnConflict):
        return tree
    if conflict.args.get("duplicate"):
        if dialect.name != "mysql":
            raise UnsupportedSqlError(
                construct="ON DUPLICATE KEY UPDATE in canonical SQL (write ON CONFLICT)", dialect=str(dialect)
            )
        return tree
    form = features(dialect).upsert
    if conflict.args.get("constraint") is not None and dialect.name != "postgres":
        raise UnsupportedSqlError(construct="ON CONFLICT ON CONSTRAINT", dialect=str(dialect))
    if form == "on_conflict":
        return tree
    if conflict.args.get("where") is not None:
        raise UnsupportedSqlError(construct="ON CONFLICT ... DO UPDATE ... WHERE", dialect=str(dialect))
    keys = _conflict_keys(conflict, dialect)
    assignments = [_assignment(e, dialect) for e in conflict.expressions]
    if form == "merge":
        return _merge(tree, dialect, keys, assignments, param_types)
    tree.set("conflict", None)
    if form == "duplicate_key_alias":
        values = tree.expression
        if not isinstance(values, exp.Values):
            raise UnsupportedSqlError(construct="INSERT ... SELECT ... ON CONFLICT", dialect=str(dialect))
        values.set("alias", exp.TableAlias(this=exp.to_identifier(_EXCLUDED)))
    pairs = [(column, _excluded_to_mysql(value, form)) for column, value in assignments]
    if not pairs:  # DO NOTHING: assign a key to itself, so no row changes and nothing fails
        pairs = [(keys[0], exp.column(keys[0]))]
    updates: list[exp.Expr] = [exp.EQ(this=exp.column(column), expression=value) for column, value in pairs]
    tree.set("conflict", exp.OnConflict(duplicate=True, action=exp.var("UPDATE"), expressions=updates))
    return tree


def _conflict_keys(conflict: exp.OnConflict, dialect: Dialect) -> list[str]:
    keys: list[str] = []
    for key in cast("list[exp.Expr]", conflict.args.get("conflict_keys") or []):
        column = key.this if isinstance(key, exp.Ordered) else key
        if not isinstance(column, exp.Column | exp.Identifier):
            raise UnsupportedSqlError(construct="ON CONFLICT on an expression", dialect=str(dialect))
        keys.append(column.name)
    if not keys:
        raise UnsupportedSqlError(construct="ON CONFLICT without a conflict target", dialect=str(dialect))
    return keys


def _assignment(node: exp.Expr, dialect: Dialect) -> tuple[str, exp.Expr]:
    if not isinstance(node, exp.EQ) or not isinstance(node.this, exp.Column):
        raise UnsupportedSqlError(construct=f"ON CONFLICT assignment {node.sql()!r}", dialect=str(dialect))
    return node.this.name, node.expression


def _is_excluded(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and node.table.lower() == _EXCLUDED


def _excluded_to_mysql(value: exp.Expr, form: str) -> exp.Expr:
    def swap(node: exp.Expr) -> exp.Expr:
        if not _is_excluded(node):
            return node
        if form == "duplicate_key_alias":
            return exp.column(node.name, table=_EXCLUDED)
        return exp.Anonymous(this="VALUES", expressions=[exp.column(node.name)])

    return value.transform(swap, copy=False)


def _merge(
    insert: exp.Insert,
    dialect: Dialect,
    keys: list[str],
    assignments: list[tuple[str, exp.Expr]],
    param_types: Mapping[str, SqlType],
) -> exp.Expr:
    if insert.args.get("returning") is not None:
        raise UnsupportedSqlError(
            construct="upsert with RETURNING", dialect=str(dialect), reason="MERGE returns nothing"
        )
    schema = insert.this
    if not isinstance(schema, exp.Schema) or not isinstance(schema.this, exp.Table):
        raise UnsupportedSqlError(
            construct="INSERT ... ON CONFLICT without a column list", dialect=str(dialect)
        )
    table: exp.Table = schema.this
    columns = [c.name for c in schema.expressions]
    values = insert.expression
    if not isinstance(values, exp.Values) or len(values.expressions) != 1:
        raise UnsupportedSqlError(construct="upsert of anything but one VALUES row", dialect=str(dialect))
    row = list(values.expressions[0].expressions)
    missing = [k for k in keys if k not in columns]
    if missing:
        raise UnsupportedSqlError(
            construct=f"ON CONFLICT key {missing[0]!r} that is not inserted", dialect=str(dialect)
        )
    source = _merge_source(dialect, columns, row, param_types)
    on: exp.Expr = exp.and_(*[exp.column(k, _TARGET).eq(exp.column(k, _SOURCE)) for k in keys])
    whens: list[exp.Expr] = []
    updates = _merge_updates(table.name, keys, assignments, dialect)
    if updates:
        whens.append(exp.When(matched=True, then=exp.Update(expressions=updates)))
    insert_columns = exp.Tuple(expressions=[exp.column(c) for c in columns])
    insert_values = exp.Tuple(expressions=[exp.column(c, _SOURCE) for c in columns])
    whens.append(exp.When(matched=False, then=exp.Insert(this=insert_columns, expression=insert_values)))
    target = table.copy()
    target.set("alias", exp.TableAlias(this=exp.to_identifier(_TARGET)))
    return exp.Merge(this=target, using=source, on=exp.Paren(this=on), whens=exp.Whens(expressions=whens))


def _merge_source(
    dialect: Dialect, columns: list[str], row: list[exp.Expr], param_types: Mapping[str, SqlType]
) -> exp.Expr:
    if dialect.name == "oracle":
        select = exp.Select(
            expressions=[exp.alias_(value, column) for column, value in zip(columns, row, strict=True)]
        ).from_("dual")
        return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(_SOURCE)))
    typed = [_typed_marker(value, param_types, dialect) for value in row]
    alias = exp.TableAlias(this=exp.to_identifier(_SOURCE), columns=[exp.to_identifier(c) for c in columns])
    return exp.Values(expressions=[exp.Tuple(expressions=typed)], alias=alias)


def _typed_marker(value: exp.Expr, param_types: Mapping[str, SqlType], dialect: Dialect) -> exp.Expr:
    if not isinstance(value, exp.Placeholder):
        return value
    sql_type = param_types.get(str(value.this))
    if sql_type is None:
        raise UnsupportedSqlError(
            construct=f"untyped parameter :{value.this} in a MERGE source",
            dialect=str(dialect),
            reason="Db2 needs typed parameter markers; pass param_types (builders do)",
        )
    return exp.Cast(this=value, to=to_datatype(sql_type))


def _merge_updates(
    table: str, keys: list[str], assignments: list[tuple[str, exp.Expr]], dialect: Dialect
) -> list[exp.Expr]:
    def requalify(node: exp.Expr) -> exp.Expr:
        if _is_excluded(node):
            return exp.column(node.name, _SOURCE)
        if isinstance(node, exp.Column) and node.table in ("", table):
            return exp.column(node.name, _TARGET)
        return node

    updates: list[exp.Expr] = []
    for column, value in assignments:
        if column in keys:
            if _is_excluded(value) and value.name == column:
                continue  # k = EXCLUDED.k: already equal by the ON condition
            raise UnsupportedSqlError(
                construct=f"updating the conflict key {column!r} in a MERGE", dialect=str(dialect)
            )
        updates.append(exp.EQ(this=exp.column(column), expression=value.transform(requalify, copy=True)))
    return updates
