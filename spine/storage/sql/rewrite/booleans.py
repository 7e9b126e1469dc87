"""Booleans where SQL has none: Oracle before 23ai, Db2 before 11.1.1.1.

There, a boolean column is ``NUMBER(1)``/``SMALLINT`` holding 1 or 0, and the SQL
language has no boolean values outside predicates. The rewrite, by where a node sits:

* **condition context** (``WHERE``, ``HAVING``, ``ON``, ``CASE WHEN``, ``CHECK``, operands
  of ``AND``/``OR``/``NOT``): a bare column or parameter ``x`` becomes ``x = 1``; ``TRUE``
  and ``FALSE`` become ``(1 = 1)`` and ``(1 = 0)``;
* ``x IS TRUE`` / ``x IS FALSE`` become ``x = 1`` / ``x = 0``; ``x IS NOT TRUE`` becomes
  ``(x IS NULL OR x <> 1)``, keeping three-valued logic right;
* **value context** (select list, ``VALUES``, ``SET``, defaults): ``TRUE``/``FALSE`` become
  ``1``/``0``, and a predicate used as a value becomes ``CASE WHEN p THEN 1 ELSE 0 END``.
"""

from __future__ import annotations

from sqlglot import exp

from spine.storage.sql.dialect import Dialect, features

__all__ = ["lower_booleans"]

_CONDITION_PARENTS = (exp.Where, exp.Having, exp.Qualify, exp.Connector, exp.Not, exp.CheckColumnConstraint)
_PREDICATES = (exp.Predicate, exp.Connector, exp.Not)


def lower_booleans(tree: exp.Expr, dialect: Dialect) -> exp.Expr:
    """Rewrite booleans into 1/0 arithmetic where ``dialect`` has no boolean type.

    >>> from spine.storage.sql.statement import sql
    >>> from spine.storage.sql.dialect import get_dialect
    >>> tree = sql("SELECT a > 1, TRUE FROM t WHERE active AND NOT deleted").expression.copy()
    >>> lower_booleans(tree, get_dialect("oracle", "19")).sql("oracle")
    'SELECT CASE WHEN a > 1 THEN 1 ELSE 0 END, 1 FROM t WHERE active = 1 AND NOT (deleted = 1)'
    """
    if dialect.name == "sqlite" or features(dialect).boolean_type:
        return tree
    for node in list(tree.find_all(*_PREDICATES)):
        if _is_value(node) and not _is_assignment(node):
            node.replace(
                exp.Case(
                    ifs=[exp.If(this=node.copy(), true=exp.Literal.number(1))], default=exp.Literal.number(0)
                )
            )
    for test in list(tree.find_all(exp.Is)):
        _lower_is(test)
    for operand in list(tree.find_all(exp.Boolean, exp.Column, exp.Placeholder)):
        if _in_condition(operand):
            _lower_condition_operand(operand)
        elif isinstance(operand, exp.Boolean):
            operand.replace(exp.Literal.number(1 if operand.this else 0))
    return tree


def _context(node: exp.Expr) -> tuple[exp.Expr | None, str | None]:
    """The nearest parent that is not a parenthesis, and the key under which we hang off it."""
    child, parent = node, node.parent
    while isinstance(parent, exp.Paren):
        child, parent = parent, parent.parent
    return parent, child.arg_key


def _in_condition(node: exp.Expr) -> bool:
    parent, key = _context(node)
    if isinstance(parent, _CONDITION_PARENTS):
        return True
    return (
        (isinstance(parent, exp.Join) and key == "on")
        or (isinstance(parent, exp.If) and key == "this")
        or (isinstance(parent, exp.Merge) and key == "on")
        or (isinstance(parent, exp.When) and key == "condition")
    )


def _is_value(node: exp.Expr) -> bool:
    parent, _ = _context(node)
    return isinstance(parent, exp.Select | exp.Alias | exp.Tuple | exp.DefaultColumnConstraint)


def _is_assignment(node: exp.Expr) -> bool:
    return isinstance(node, exp.EQ) and isinstance(node.parent, exp.Update | exp.OnConflict)


def _lower_is(node: exp.Is) -> None:
    value = node.expression
    if not isinstance(value, exp.Boolean):
        return
    number = exp.Literal.number(1 if value.this else 0)
    parent, _ = _context(node)
    if isinstance(parent, exp.Not):
        subject = node.this.copy()
        replacement = exp.or_(
            exp.Is(this=subject, expression=exp.Null()), exp.NEQ(this=subject.copy(), expression=number)
        )
        parent.replace(exp.Paren(this=replacement))
    else:
        node.replace(exp.EQ(this=node.this.copy(), expression=number))


def _lower_condition_operand(node: exp.Expr) -> None:
    if isinstance(node, exp.Boolean):
        right = exp.Literal.number(1 if node.this else 0)
        node.replace(exp.Paren(this=exp.EQ(this=exp.Literal.number(1), expression=right)))
        return
    comparison = exp.EQ(this=node.copy(), expression=exp.Literal.number(1))
    parent, _ = _context(node)
    node.replace(exp.Paren(this=comparison) if isinstance(parent, exp.Not) else comparison)
