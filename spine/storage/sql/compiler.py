"""``compile``: one canonical statement to one dialect's SQL, memoised on the statement.

``transpile`` is the same for canonical text and a dialect name (docs, CLI). The order of
the rewrites and the reasons for it are in the theory of operation below.
"""

from __future__ import annotations

# Theory of operation
# -------------------
# compile(statement, dialect) is a pure function of its two arguments, so its result is
# stored on the statement (a dict keyed by the hashable Dialect value): the first call pays
# sqlglot plus the rewrites (0.2-0.5 ms), every later call is one dict lookup (~0.15 us).
# A miss runs, on a copy of the canonical AST, these rewrites in this order (each a pure
# AST -> AST function; steps 4-13 are skipped when the node types they act on are absent):
#
#   1. empty strings   Oracle: a '' literal is NULL there; refuse it (see binding.py).
#   2. upsert          ON CONFLICT -> ON DUPLICATE KEY UPDATE (MySQL family) or MERGE
#                      (Oracle, Db2). Early: it reads ON CONFLICT's ORDER-BY-like key
#                      list before step 11 touches it, and it creates nodes that later
#                      steps must see (MERGE aliases and sources).
#   3. markers         Db2: CAST(? AS type) for parameters in select lists (SQL0418N).
#   4. returning       refuse where absent; Oracle RETURNING ... INTO output binds.
#   5. paging          Oracle/Db2 OFFSET n ROWS FETCH NEXT m ROWS ONLY; MySQL OFFSET alone;
#                      refuses locking reads the target rejects (Oracle FETCH + FOR UPDATE,
#                      Db2 ORDER BY + FOR UPDATE).
#   6. dummy table     Oracle SELECT without FROM reads dual.
#   7. json            ->> / -> as JSON_VALUE / JSON_QUERY (MySQL family, Oracle, Db2).
#   8. booleans        Oracle 19 / Db2 11.1: 1/0 values, `x = 1` predicates.
#   9. identity        MySQL AUTO_INCREMENT; Oracle DEFAULT before NOT NULL.
#  10. type checks     CHECK (x IN (0, 1)) / CHECK (x IS JSON) where types are emulated.
#  11. null ordering   every unqualified ORDER BY item gets the target's natural placement,
#                      so sqlglot prints no NULLS FIRST/LAST and no CASE sort keys.
#  12. identifiers     fold unquoted names to the target's case (after every step that
#                      adds names).
#  13. existence       IF [NOT] EXISTS -> GuardedDdl where the target lacks it (wraps the
#                      root, so it is last).
#
# Then generation (generators.py: quote everything, portable types, parameter markers,
# unsupported constructs raise) and placeholders.py (markers -> paramstyle, binding order).
# Invariants: the canonical AST is never mutated; the same (statement, dialect) always
# gives the same CompiledQuery object; nothing the target cannot express is dropped.
import re
from collections.abc import Callable
from typing import Final

from sqlglot import exp
from sqlglot.errors import UnsupportedError

from spine.storage.compiled import CompiledQuery
from spine.storage.sql.dialect import Dialect, get_dialect
from spine.storage.sql.errors import UnsupportedSqlError
from spine.storage.sql.generators import generate
from spine.storage.sql.placeholders import render_placeholders
from spine.storage.sql.rewrite.booleans import lower_booleans
from spine.storage.sql.rewrite.ddl import add_type_checks, default_first, guard_existence, identity_columns
from spine.storage.sql.rewrite.json import json_functions
from spine.storage.sql.rewrite.markers import type_select_markers
from spine.storage.sql.rewrite.nulls import natural_null_ordering
from spine.storage.sql.rewrite.returning import rewrite_returning
from spine.storage.sql.rewrite.shape import add_dummy_table, fold_identifiers, paging
from spine.storage.sql.rewrite.strings import refuse_empty_strings
from spine.storage.sql.rewrite.upsert import rewrite_upsert
from spine.storage.sql.statement import Statement, sql

__all__ = ["compile", "transpile"]

_NOT_SUPPORTED: Final = re.compile(r"\s+(?:is|are)?\s*not supported\.?$", re.IGNORECASE)
type _Rewrite = Callable[[exp.Expr, Dialect], exp.Expr]
type _Kinds = frozenset[type[exp.Expr]] | None
# Each rewrite after the upsert step, with the node types it acts on (None: always run).
# Skipping a rewrite whose nodes are absent saves a walk of the tree; none of these steps
# creates a node type a later step acts on (only upsert does, and it runs before).
_AFTER_UPSERT: Final[tuple[tuple[_Rewrite, _Kinds], ...]] = (
    (rewrite_returning, frozenset({exp.Returning})),
    (paging, frozenset({exp.Select})),
    (add_dummy_table, frozenset({exp.Select})),
    (json_functions, frozenset({exp.JSONExtract, exp.JSONExtractScalar})),
    (lower_booleans, None),
    (identity_columns, frozenset({exp.GeneratedAsIdentityColumnConstraint})),
    (default_first, frozenset({exp.ColumnDef})),
    (add_type_checks, frozenset({exp.ColumnDef})),
    (natural_null_ordering, frozenset({exp.Ordered})),
    (fold_identifiers, None),
    (guard_existence, frozenset({exp.Create, exp.Drop})),
)


def compile(statement: Statement, dialect: Dialect, /) -> CompiledQuery:
    """``statement`` as ``dialect`` SQL in its driver's paramstyle; cached per pair.

    Raises :class:`UnsupportedSqlError` when the target cannot express the statement.

    >>> from spine.storage.sql.dialect import get_dialect
    >>> stmt = sql("SELECT id FROM users WHERE email = :email ORDER BY id LIMIT :n")
    >>> compile(stmt, get_dialect("oracle")).sql
    'SELECT "ID" FROM "USERS" WHERE "EMAIL" = :1 ORDER BY "ID" FETCH FIRST :2 ROWS ONLY'
    >>> compile(stmt, get_dialect("postgres")).param_names
    ('email', 'n')
    >>> compile(stmt, get_dialect("db2")) is compile(stmt, get_dialect("db2"))
    True
    """
    memo = statement._compiled  # noqa: SLF001 - the statement's own memo table
    cached = memo.get(dialect)
    if cached is None:
        # setdefault: when two threads race, both return the first result stored.
        cached = memo.setdefault(dialect, _compile(statement, dialect))
    return cached


def transpile(text: str, dialect: str, /, version: str | None = None) -> str:
    """Canonical SQL text as ``dialect`` SQL (default version and paramstyle), for docs and CLI.

    >>> print(transpile("SELECT * FROM jobs WHERE state = 1 LIMIT 10 FOR UPDATE SKIP LOCKED", "db2"))
    SELECT * FROM "JOBS" WHERE "STATE" = 1 FETCH FIRST 10 ROWS ONLY FOR UPDATE SKIP LOCKED DATA
    >>> transpile("SELECT * FROM jobs FOR UPDATE SKIP LOCKED", "sqlite")
    Traceback (most recent call last):
    ...
    spine.storage.sql.errors.UnsupportedSqlError: Locking reads using 'FOR UPDATE/SHARE' ...
    """
    return compile(sql(text), get_dialect(dialect, version)).sql


def _compile(statement: Statement, dialect: Dialect) -> CompiledQuery:
    tree = refuse_empty_strings(statement.expression.copy(), dialect)
    tree = rewrite_upsert(tree, dialect, statement.param_types)
    tree = type_select_markers(tree, dialect, statement.param_types)
    present = {type(node) for node in tree.walk()}
    for rewrite, kinds in _AFTER_UPSERT:
        if kinds is None or not kinds.isdisjoint(present):
            tree = rewrite(tree, dialect)
    returns_rows = _returns_rows(tree, dialect)  # before generation: the Db2 generator reshapes
    try:
        text = generate(tree, dialect)
    except UnsupportedError as error:
        raise UnsupportedSqlError(construct=_construct(error), dialect=str(dialect)) from error
    rendered, names, outs = render_placeholders(text, dialect)
    return CompiledQuery(
        sql=rendered,
        dialect=dialect.name,
        paramstyle=dialect.paramstyle,
        param_names=names,
        out_binds=outs,
        returns_rows=returns_rows,
    )


def _construct(error: UnsupportedError) -> str:
    """Sqlglot's messages ("X are not supported"), one or several, as the construct "X"."""
    messages = [m.strip() for m in str(error).split("\n\n") if m.strip()]
    return "; ".join(_NOT_SUPPORTED.sub("", m) for m in messages)


def _returns_rows(tree: exp.Expr, dialect: Dialect) -> bool:
    if isinstance(tree, exp.Query):
        return True
    if isinstance(tree, exp.Insert | exp.Update | exp.Delete) and tree.args.get("returning") is not None:
        return dialect.name != "oracle"
    return False
