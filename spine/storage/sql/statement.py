"""``Statement``: one canonical SQL AST with named parameters, parsed or built once.

Canonical SQL is PostgreSQL-flavoured text with ``:name`` parameters, parsed by
:func:`sql` exactly once (at import, or when a repository is built), or the same AST made
by the builders in :mod:`spine.storage.sql.dml` and :mod:`spine.storage.sql.ddl`. A
statement never changes after construction; :func:`spine.storage.sql.compile` renders it
per dialect and memoises the result *on the statement*, so a cache hit is one dict lookup
and the cache lives exactly as long as the statement.

Two details the parser records that sqlglot forgets:

* whether an ``ORDER BY`` item spelled out ``NULLS FIRST/LAST`` (sqlglot folds the source
  dialect's default into the same flag, which is how every target ends up with noise);
* the type of each parameter, when known (``param_types``): Db2 needs typed parameter
  markers (``CAST(? AS BIGINT)``) wherever it cannot infer one, as in a ``MERGE`` source.

Only named parameters are accepted: ``?``, ``%s`` and ``$1`` mean different things to
different drivers, and the compiler owns the paramstyle. Text that does not tokenize (an
unterminated quote or comment), does not parse, or parses only as sqlglot's opaque
``Command`` is a ``ValidationError``; no sqlglot exception or log line gets out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, final, override

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.generators.postgres import PostgresGenerator
from sqlglot.parsers.postgres import PostgresParser
from sqlglot.tokenizer_core import Token, TokenType

from spine.core.errors import ValidationError
from spine.storage.compiled import CompiledQuery
from spine.storage.sql.dialect import Dialect
from spine.storage.sql.types import SqlType

__all__ = ["EXPLICIT_NULLS", "Statement", "split", "sql"]

EXPLICIT_NULLS: Final = "spine_explicit_nulls"
"""``Ordered.meta`` key set when the author wrote ``NULLS FIRST`` or ``NULLS LAST``."""

_PARAM_NAME: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_RESERVED_CHARS: Final = frozenset("\ue000\ue001\ue002")  # the compiler's parameter markers
_CANONICAL: Final = Postgres()


@final
class Statement:
    """A canonical statement: an immutable sqlglot AST plus what compiling it needs.

    >>> s = sql("SELECT id FROM users WHERE email = :email")
    >>> s.params
    ('email',)
    >>> s
    Statement('SELECT id FROM users WHERE email = :email')
    """

    __slots__ = ("_compiled", "_expression", "_param_types", "_params")

    def __init__(self, expression: exp.Expr, /, *, param_types: Mapping[str, SqlType] | None = None) -> None:
        self._expression = expression
        self._params = _named_params(expression)
        types = dict(param_types or {})
        unknown = sorted(set(types) - set(self._params))
        if unknown:
            msg = f"param_types names parameters the statement does not use: {', '.join(unknown)}"
            raise ValidationError(msg, field="param_types", value=unknown)
        self._param_types: Mapping[str, SqlType] = MappingProxyType(types)
        self._compiled: dict[Dialect, CompiledQuery] = {}

    @property
    def expression(self) -> exp.Expr:
        """The canonical AST. Treat it as read-only: the compiler works on copies."""
        return self._expression

    @property
    def params(self) -> tuple[str, ...]:
        """The named parameters, each once, in order of first appearance."""
        return self._params

    @property
    def param_types(self) -> Mapping[str, SqlType]:
        """The known :class:`SqlType` of parameters (builders fill it from the table)."""
        return self._param_types

    def __repr__(self) -> str:
        text = _Printer(dialect=_CANONICAL).generate(self._expression)
        return f"Statement({text!r})"


def sql(text: str, /, *, param_types: Mapping[str, SqlType] | None = None) -> Statement:
    """Parse one canonical (PostgreSQL-flavoured) statement with ``:name`` parameters.

    Raises ``ValidationError`` on a syntax error, on more than one statement, and on
    positional parameters (``?``, ``%s``, ``$1``).

    >>> sql("DELETE FROM jobs WHERE id = :id").params
    ('id',)
    >>> sql("SELECT * FROM t WHERE a = ?")
    Traceback (most recent call last):
    ...
    spine.core.errors.ValidationError: canonical SQL takes named parameters (:name), not '?'
    """
    tokens = _tokens(text)
    try:
        trees = _Parser(dialect=_CANONICAL).parse(tokens, text)
    except ParseError as error:
        msg = f"cannot parse canonical SQL: {error}"
        raise ValidationError(msg, field="sql", value=text, constraint="PostgreSQL syntax") from error
    except RecursionError:
        msg = "cannot parse canonical SQL: it nests too deeply"
        raise ValidationError(msg, field="sql", value=text, constraint="PostgreSQL syntax") from None
    statements = [tree for tree in trees if tree is not None]
    if len(statements) != 1:
        msg = f"expected exactly one statement, got {len(statements)}"
        raise ValidationError(msg, field="sql", value=text, constraint="one statement")
    (tree,) = statements
    if isinstance(tree, exp.Command):
        msg = f"sqlglot does not understand this statement, so it cannot be translated: {text!r}"
        raise ValidationError(msg, field="sql", value=text, constraint="parseable statement")
    for node in tree.walk():
        if isinstance(node, exp.Command):
            msg = f"sqlglot does not understand part of this statement, so it cannot be translated: {text!r}"
            raise ValidationError(msg, field="sql", value=text, constraint="parseable statement")
        if isinstance(node, exp.DataType) and node.this in (exp.DType.SERIAL, exp.DType.BIGSERIAL):
            msg = "SERIAL is not portable; write BIGINT GENERATED BY DEFAULT AS IDENTITY"
            raise ValidationError(msg, field="sql", value=text, constraint="no SERIAL")
    return Statement(tree, param_types=param_types)


def split(text: str, /) -> tuple[str, ...]:
    r"""The statements of a script of canonical SQL: split at ``;`` between statements only.

    A ``;`` inside a string, a quoted name or a comment is text, as the tokenizer sees it;
    pieces with nothing but blanks and comments are dropped. Raises ``ValidationError`` when
    the text does not tokenize (an unterminated quote, quoted name or comment).

    >>> split("SELECT 'a;b' AS x; -- a;comment\nDELETE FROM t;;")
    ("SELECT 'a;b' AS x", '-- a;comment\nDELETE FROM t')
    >>> split("SELECT 'a")
    Traceback (most recent call last):
    ...
    spine.core.errors.ValidationError: cannot parse canonical SQL: Missing ' from 1:7 ...
    """
    pieces: list[str] = []
    start, empty = 0, True
    for token in _tokens(text):
        if token.token_type is TokenType.SEMICOLON:
            if not empty:
                pieces.append(text[start : token.start].strip())
            start, empty = token.end + 1, True
        else:
            empty = False
    if not empty:
        pieces.append(text[start:].strip())
    return tuple(pieces)


def _tokens(text: str) -> list[Token]:
    try:
        return _CANONICAL.tokenize(text)
    except TokenError as error:
        cause = error.__cause__ if isinstance(error.__cause__, TokenError) else error
        msg = f"cannot parse canonical SQL: {cause} (a quote, quoted name or comment left open?)"
        raise ValidationError(msg, field="sql", value=text, constraint="PostgreSQL syntax") from error


class _Printer(PostgresGenerator):
    """Canonical text back: PostgreSQL, with ``:name`` parameters as written."""

    @override
    def placeholder_sql(self, expression: exp.Placeholder) -> str:
        return f":{expression.this}"

    @override
    def ordered_sql(self, expression: exp.Ordered) -> str:
        if expression.meta_get(EXPLICIT_NULLS):
            return super().ordered_sql(expression)
        return f"{self.sql(expression, 'this')}{' DESC' if expression.args.get('desc') else ''}"


class _Parser(PostgresParser):
    """PostgreSQL's parser, remembering which ORDER BY items named their NULLS placement.

    It does not log: sqlglot warns when it falls back to an opaque ``Command``, which
    :func:`sql` refuses with a ``ValidationError`` anyway (a pure module logs nothing).
    """

    @override
    def _warn_unsupported(self) -> None:
        return

    @override
    def _parse_ordered(self, parse_method: Callable[[], exp.Expr | None] | None = None) -> exp.Ordered | None:
        ordered = super()._parse_ordered(parse_method)
        previous = self._tokens[self._index - 2 : self._index] if self._index >= 2 else []
        words = [token.text.upper() for token in previous]
        if ordered is not None and words in (["NULLS", "FIRST"], ["NULLS", "LAST"]):
            ordered.meta[EXPLICIT_NULLS] = True
        return ordered


def _named_params(tree: exp.Expr) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for node in tree.walk():
        if isinstance(node, exp.Parameter) or (
            isinstance(node, exp.Placeholder) and not isinstance(node.this, str)
        ):
            shown = (
                "?" if isinstance(node, exp.Placeholder) and node.args.get("jdbc") else node.sql("postgres")
            )
            msg = f"canonical SQL takes named parameters (:name), not {shown!r}"
            raise ValidationError(msg, field="sql", value=shown, constraint=":name")
        if isinstance(node, exp.Literal | exp.Identifier) and _RESERVED_CHARS.intersection(str(node.this)):
            msg = "SQL text contains a reserved private-use character (U+E000-U+E002)"
            raise ValidationError(msg, field="sql", constraint="no U+E000-U+E002")
        if isinstance(node, exp.Placeholder):
            name = str(node.this)
            if not name or not set(name) <= _PARAM_NAME or name[0].isdigit():
                msg = f"parameter name {name!r} must be lower-case letters, digits and '_'"
                raise ValidationError(msg, field="sql", value=name, constraint="[a-z_][a-z0-9_]*")
            seen.setdefault(name)
    return tuple(seen)
