"""The ``Connection`` port: what every database interpreter offers, and the values it returns.

Theory of operation
-------------------
A ``Connection`` runs :class:`~spine.storage.compiled.CompiledQuery` objects (SQL already in
its driver's paramstyle) and returns ``Result`` values; driver exceptions never escape it.

* **Binding.** Parameters are a mapping of names. Positional paramstyles bind
  ``params[name] for name in query.param_names``; a missing name is a ``ValidationError``
  before the driver is touched, and so is a naive ``datetime`` (spine stores instants).
* **Commit rule.** Outside ``transaction()`` every call is its own transaction: it commits
  when it succeeds and leaves nothing behind when it fails (``executemany`` is all or
  nothing). Inside, statements join the open transaction.
* **Transactions.** ``transaction()`` is a context manager yielding a :class:`Transaction`.
  It commits on normal exit and rolls back when the block raises or called
  ``set_rollback_only()``. Nested blocks are savepoints. A statement that fails inside a
  block dooms that block (later statements in it return an error without running, and it
  rolls back at exit): the rule PostgreSQL enforces, applied to every database so code
  behaves the same everywhere. Recover from an expected failure with a nested block.
  Failures of BEGIN/COMMIT cannot be raised as values from ``__exit__``: they land in
  ``Transaction.outcome``. :func:`in_transaction` wraps all of this for railway code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from types import MappingProxyType
from typing import Final, Protocol, Unpack, final

import msgspec
import msgspec.inspect
from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseError, ErrorCategory, ErrorOptions, QueryError, ValidationError
from spine.core.json_types import JsonValue
from spine.storage.compiled import CompiledQuery, SqlValue

__all__ = [
    "NO_PARAMS",
    "Connection",
    "ParameterError",
    "Params",
    "Rows",
    "Transaction",
    "bind_args",
    "in_transaction",
]

type Params = Mapping[str, SqlValue]
"""Statement parameters by name."""

NO_PARAMS: Final[Params] = MappingProxyType({})
"""The empty parameter mapping (the default of ``Connection.execute``)."""

_NO_OUT: Final[Mapping[str, SqlValue]] = MappingProxyType({})
_BOOL_COLUMNS: dict[type, frozenset[str]] = {}


def _bool_columns(kind: type) -> frozenset[str]:
    """The fields of ``kind`` that accept a ``bool`` (where ``0``/``1`` must become one)."""
    cached = _BOOL_COLUMNS.get(kind)
    if cached is None:
        info = msgspec.inspect.type_info(kind)
        fields = getattr(info, "fields", ())
        cached = frozenset(
            f.encode_name
            for f in fields
            if isinstance(f.type, msgspec.inspect.BoolType)
            or (
                isinstance(f.type, msgspec.inspect.UnionType)
                and any(isinstance(t, msgspec.inspect.BoolType) for t in f.type.types)
            )
        )
        _BOOL_COLUMNS[kind] = cached
    return cached


def _rows_as[T](
    columns: tuple[str, ...], rows: tuple[tuple[SqlValue, ...], ...], kind: type[T]
) -> Result[tuple[T, ...], ValidationError]:
    flags = _bool_columns(kind)
    converted: list[T] = []
    for index, row in enumerate(rows):
        item: dict[str, SqlValue] = dict(zip(columns, row, strict=True))
        for name in flags:
            value = item.get(name)
            # msgspec's lax mode takes "true"/"false" but not 0/1, which is how SQLite,
            # MySQL and Oracle < 23 store booleans.
            if type(value) is int and value in (0, 1):
                item[name] = value == 1
        try:
            converted.append(msgspec.convert(item, kind, strict=False))
        except msgspec.ValidationError as exc:
            text = str(exc)
            _, _, path = text.partition(" - at `$")
            return Failure(
                ValidationError(
                    f"row {index} does not fit {kind.__qualname__}: {text}",
                    field=path.rstrip("`").lstrip(".") or None,
                    constraint=kind.__qualname__,
                )
            )
    return Success(tuple(converted))


class ParameterError(QueryError, ValidationError):
    """A statement's parameters are wrong (missing, naive datetime, unsupported type).

    Found before the driver is called. It is both a ``DatabaseError`` (what ``Connection``
    methods return) and a ``ValidationError`` (what it means); never retryable.

    >>> e = ParameterError("missing parameter :id", field="id")
    >>> (isinstance(e, ValidationError), isinstance(e, DatabaseError), e.field, e.category)
    (True, True, 'id', <ErrorCategory.VALIDATION: 'validation'>)
    """

    code = "database.parameter"
    category = ErrorCategory.VALIDATION

    def __init__(
        self,
        message: str,
        /,
        *,
        field: str | None = None,
        value: JsonValue = None,
        constraint: str | None = None,
        **options: Unpack[ErrorOptions],
    ) -> None:
        ValidationError.__init__(self, message, field=field, value=value, constraint=constraint, **options)


class Rows(msgspec.Struct, frozen=True, kw_only=True):
    """What a statement produced.

    ``rowcount`` is the number of rows affected by DML, or the number of rows returned by a
    query. ``rows`` holds the result set, including what ``RETURNING`` (any dialect) or
    Oracle ``RETURNING ... INTO`` out-binds gave back; ``out`` holds the out-binds' values
    of the first returned row by name.

    >>> r = Rows(columns=("id", "ok"), rows=((1, 1),), rowcount=1)
    >>> class Item(msgspec.Struct):
    ...     id: int
    ...     ok: bool
    >>> r.as_structs(Item)
    <Success: (Item(id=1, ok=True),)>
    """

    columns: tuple[str, ...] = ()
    rows: tuple[tuple[SqlValue, ...], ...] = ()
    rowcount: int = 0
    out: Mapping[str, SqlValue] = _NO_OUT

    def as_structs[T](self, kind: type[T], /) -> Result[tuple[T, ...], ValidationError]:
        """Every row as a ``kind`` (column names are field names), via ``msgspec.convert``.

        Conversion is lax (``strict=False``) so database representations coerce: ``0``/``1``
        to ``bool``, text to ``Decimal`` or ``datetime``, ``Decimal`` to ``float``.
        """
        return _rows_as(self.columns, self.rows, kind)

    def first_as[T](self, kind: type[T], /) -> Result[T | None, ValidationError]:
        """The first row as a ``kind``, or ``None`` when there is no row.

        >>> Rows().first_as(dict)
        <Success: None>
        """
        if not self.rows:
            return Success(None)
        return _rows_as(self.columns, self.rows[:1], kind).map(lambda items: items[0])

    def scalar(self) -> SqlValue:
        """The first column of the first row, or ``None`` when there is no row.

        >>> Rows(columns=("n",), rows=((3,),), rowcount=1).scalar()
        3
        """
        return self.rows[0][0] if self.rows and self.rows[0] else None


_PENDING: Final = QueryError("the transaction has not finished")


@final
class Transaction:
    """The handle ``Connection.transaction()`` yields.

    >>> tx = Transaction()
    >>> tx.set_rollback_only()
    >>> tx.rollback_only, tx.outcome.failure().message
    (True, 'the transaction has not finished')
    """

    __slots__ = ("_outcome", "_rollback_only")

    def __init__(self) -> None:
        self._outcome: Result[bool, DatabaseError] = Failure(_PENDING)
        self._rollback_only = False

    def set_rollback_only(self) -> None:
        """Roll back instead of committing when the block ends."""
        self._rollback_only = True

    @property
    def rollback_only(self) -> bool:
        """Whether the block will roll back at exit."""
        return self._rollback_only

    @property
    def outcome(self) -> Result[bool, DatabaseError]:
        """How the block ended.

        ``Ok(True)`` committed, ``Ok(False)`` rolled back (as asked, or because the block
        raised), or the error that made it fail: BEGIN, a statement inside, or COMMIT.
        """
        return self._outcome

    def settle(self, outcome: Result[bool, DatabaseError], /) -> None:
        """Record how the block ended (called by the interpreter, once, at exit)."""
        self._outcome = outcome


class Connection(Protocol):
    """Port: one database session (or a pool that behaves as one; see each interpreter)."""

    @property
    def dialect(self) -> str:
        """The SQL dialect this connection speaks (``sqlite``, ``postgres``, ``mysql``, ...)."""
        ...

    @property
    def server_version(self) -> str:
        """The server's (or library's) version string, for version-gated SQL."""
        ...

    def execute(self, query: CompiledQuery, params: Params = NO_PARAMS, /) -> Result[Rows, DatabaseError]:
        """Run one statement; its result set, or the rows it affected."""
        ...

    def executemany(self, query: CompiledQuery, rows: Sequence[Params], /) -> Result[int, DatabaseError]:
        """Run one statement once per parameter mapping, all or nothing; the rows affected."""
        ...

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A transaction (or, nested, a savepoint) around a block."""
        ...

    def close(self) -> None:
        """Release the session; later calls return an error. Idempotent."""
        ...


FETCH_ROWS: Final = "_fetch_rows"
"""The name of an interpreter's optional internal fast path; not part of the port.

An interpreter class may define ``_fetch_rows(self, query, args)``: ``execute`` with ``args``
already positional (in ``query.param_names`` order), returning the fetched rows bare
(``None`` when the statement has no result set) or the error, instead of a ``Result`` of
``Rows``. Everything else it decides exactly as ``execute`` does: closed connection,
paramstyle, value conversion, doomed transactions, error classification.

``BaseRepository.get`` and ``insert`` call it when ``type(connection)`` has it (the SQLite
interpreter does), and ``execute`` otherwise. Looking on the class, not the instance, means a
wrapper that forwards attributes to a connection (a tracer, a metrics layer) never has its
own ``execute`` skipped.
"""

type FetchRows = Callable[
    [Connection, CompiledQuery, tuple[SqlValue, ...]], list[tuple[SqlValue, ...]] | DatabaseError | None
]
"""The signature of a ``FETCH_ROWS`` method, looked up on the class (``self`` comes first)."""


def bind_args(query: CompiledQuery, params: Params, /) -> tuple[SqlValue, ...] | ParameterError:
    """The positional arguments for ``query``: ``params[name]`` for each ``param_names`` entry.

    Returns the error (not a ``Result``) so interpreters pay no allocation on success.

    >>> from spine.storage.compiled import Paramstyle
    >>> q = CompiledQuery(sql="SELECT ?, ?", dialect="sqlite", paramstyle=Paramstyle.QMARK,
    ...                   param_names=("a", "b"))
    >>> bind_args(q, {"a": 1, "b": "x"})
    (1, 'x')
    >>> bind_args(q, {"a": 1})
    ParameterError('missing parameter :b', field='b', constraint='required by the statement')
    """
    names = query.param_names
    if not names:
        return ()
    try:
        return tuple([params[name] for name in names])
    except KeyError:
        missing = next(name for name in names if name not in params)
        return ParameterError(
            f"missing parameter :{missing}", field=missing, constraint="required by the statement"
        )


def in_transaction[T, E](
    conn: Connection, body: Callable[[Connection], Result[T, E]], /
) -> Result[T, E | DatabaseError]:
    """Run ``body`` in a transaction: commit if it returns ``Ok``, roll back if ``Err``.

    An exception from ``body`` rolls back and propagates. When ``body`` succeeds but the
    transaction does not (BEGIN or COMMIT failed, or a statement's error was ignored), the
    transaction's error is returned.
    """
    with conn.transaction() as tx:
        result = body(conn)
        if isinstance(result, Failure):
            tx.set_rollback_only()
    if isinstance(result, Failure):
        return Failure(result.failure())
    outcome = tx.outcome
    if isinstance(outcome, Failure):
        return Failure(outcome.failure())
    return Success(result.unwrap())
