"""``BaseRepository[T]``: typed CRUD and paging for a table bound to a msgspec Struct.

Field names are column names. Every statement is built once per repository (or once per
distinct filter shape) and compiled once per dialect; a call binds values and runs. Values
always travel as bound parameters, and names come only from the ``Table`` definition (which
validated them), so neither a value nor a filter key can inject SQL: an unknown filter key
is a ``ValidationError`` before anything runs.

Reads convert each column by its ``SqlType`` (:mod:`spine.storage.values`) and then
``msgspec.convert`` the row into ``T``, so enums, ``WeekEnding``, nested Structs in JSON
columns and exact types all come back as declared, on every database. A model whose fields
are all plain scalars, passed by position, skips that second validation: its rows go
through a decoder unrolled for the row shape straight into the constructor.

``get`` and ``insert`` are the hot path. When the connection's class offers the internal
``FETCH_ROWS`` method (the SQLite interpreter does), they hand it the values positionally
and take its rows bare, skipping the parameter dict, ``Rows`` and ``Result`` a port call
builds; the outcome is the same either way. Everything else goes through the port.

Nothing a caller passes raises: a value its column's writer cannot convert (an
``object()`` in a JSON column) and text that is not valid Unicode (a lone surrogate) are
``ValidationError`` values, found before anything runs; the guards are ``try`` blocks,
free on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from inspect import Parameter, signature
from types import UnionType
from typing import Final, Union, get_args, get_origin

import msgspec
from returns.result import Failure, Result, Success

from spine.core.codec import dec_hook
from spine.core.errors import DatabaseError, NotFoundError, SpineError, ValidationError
from spine.core.fast_ok import ok
from spine.storage.compiled import SqlValue
from spine.storage.connection import FETCH_ROWS, FetchRows, Rows
from spine.storage.database import Database, unencodable
from spine.storage.sql.compiler import compile
from spine.storage.sql.dml import delete, insert, update, upsert
from spine.storage.sql.predicates import OrderBy
from spine.storage.sql.query import count, select
from spine.storage.sql.schema import Table
from spine.storage.sql.statement import Statement
from spine.storage.sql.types import SqlType, TypeKind
from spine.storage.values import ColumnReader, Converter, exact_type, reader, row_decoder, writer

__all__ = ["BaseRepository", "Page"]

_NATIVE: Final = frozenset({bool, int, float, str, bytes})
_PLAIN: Final[dict[TypeKind, type]] = {
    TypeKind.BIGINT: int,
    TypeKind.INTEGER: int,
    TypeKind.SMALLINT: int,
    TypeKind.BOOLEAN: bool,
    TypeKind.VARCHAR: str,
    TypeKind.TEXT: str,
    TypeKind.DECIMAL: Decimal,
    TypeKind.DOUBLE: float,
    TypeKind.TIMESTAMPTZ: datetime,
    TypeKind.DATE: date,
    TypeKind.BYTES: bytes,
}


_ROW_ERRORS: Final = (msgspec.ValidationError, ValueError, TypeError)
_WRITE_ERRORS: Final = (NotImplementedError, TypeError, ValueError, OverflowError)
"""What a column writer raises for a value its column cannot hold (msgspec's encoders)."""
_NOT_FOUND: Final[Result[None, SpineError]] = Success(None)

# Results are tested with ``isinstance(r, Success)``: an exact type match is decided in C,
# while ``isinstance(r, Failure)`` on a Success goes through returns' ABCMeta (~0.3 µs).


class Page[T](msgspec.Struct, frozen=True, kw_only=True):
    """One page of rows; ``has_more`` says whether another page follows."""

    items: tuple[T, ...]
    has_more: bool


class BaseRepository[T: msgspec.Struct]:
    """CRUD for ``model`` rows stored in ``table``.

    Use it as is, or subclass it to add a domain's own queries (``self.database`` and
    ``self.table`` are there for them); the methods below stay the same.

    >>> from spine.storage.connect import connect
    >>> from spine.storage.sql import BIGINT, Column, Table, create_table, varchar
    >>> class User(msgspec.Struct, frozen=True):
    ...     id: int
    ...     email: str
    >>> users = Table(name="users", primary_key=("id",), columns=(
    ...     Column(name="id", type=BIGINT, nullable=False), Column(name="email", type=varchar(200))))
    >>> db = Database(connect("sqlite://:memory:").unwrap())
    >>> _ = db.execute(create_table(users)[0]).unwrap()
    >>> repo = BaseRepository(db, users, User)
    >>> repo.insert(User(1, "a@example.com")).unwrap()
    User(id=1, email='a@example.com')
    >>> repo.get(1).unwrap(), repo.count().unwrap()
    (User(id=1, email='a@example.com'), 1)
    """

    __slots__ = (
        "_db",
        "_delete",
        "_fetch_get",
        "_fetch_insert",
        "_fields",
        "_find",
        "_get",
        "_get_q",
        "_identity",
        "_identity_at",
        "_insert",
        "_insert_q",
        "_insert_returning",
        "_key",
        "_model",
        "_plain",
        "_positional",
        "_readers",
        "_row_decoder",
        "_table",
        "_update",
        "_upsert",
        "_writers",
    )

    def __init__(self, db: Database, table: Table, model: type[T], /) -> None:
        fields = msgspec.structs.fields(model)
        columns = {c.name: c for c in table.columns}
        unknown = [f.name for f in fields if f.name not in columns]
        if unknown:
            msg = f"{model.__qualname__} has fields that are not columns of {table.name!r}: {unknown}"
            raise ValidationError(msg, field=unknown[0], constraint=f"a column of {table.name}")
        names = tuple(f.name for f in fields)
        missing = [c.name for c in table.columns if c.name not in names and not (c.nullable or c.identity)]
        if missing or not table.primary_key or not set(table.primary_key) <= set(names):
            msg = (
                f"{model.__qualname__} must carry the primary key and every NOT NULL column of {table.name!r}"
            )
            raise ValidationError(msg, field=(missing or list(table.primary_key))[0], constraint="mapped")
        self._db, self._table, self._model, self._fields = db, table, model, names
        self._key = table.primary_key
        identity = [c.name for c in table.columns if c.identity and c.name in names]
        self._identity = identity[0] if identity else None
        self._identity_at = names.index(identity[0]) if identity else None
        self._writers: tuple[tuple[int, Converter], ...] = tuple(
            (i, writer(columns[f.name].type)) for i, f in enumerate(fields) if f.type not in _NATIVE
        )
        self._plain = all(_is_plain(f.type, columns[f.name].type) for f in fields)
        self._positional = all(
            p.kind is Parameter.POSITIONAL_OR_KEYWORD for p in signature(model).parameters.values()
        )
        self._readers: tuple[ColumnReader, ...] = tuple(
            (i, conv, exact_type(columns[name].type))
            for i, name in enumerate(names)
            if (conv := reader(columns[name].type)) is not None
        )
        # Every field a scalar the column reader already produces exactly, passed by
        # position: no second validation (a third of a get's cost), and no per-row loop.
        self._row_decoder: Callable[[Sequence[object]], T | ValidationError] | None = (
            row_decoder(model, len(names), self._readers, _misfit(table, model), _ROW_ERRORS)
            if self._plain and self._positional
            else None
        )
        plain = tuple(n for n in names if n != self._identity)
        others = tuple(n for n in names if n not in self._key)
        self._insert = insert(table, names)
        self._insert_returning = insert(table, plain, returning=names) if self._identity else None
        self._get = select(table, names, where=list(self._key))
        self._update = update(table, others, where=list(self._key)) if others else None
        self._upsert = upsert(table, names, key_columns=self._key)
        self._delete = delete(table, where=list(self._key))
        # Keyed by (where, order, limit, after, offset): every shape its own statement.
        self._find: dict[tuple[tuple[str, ...], tuple[str | OrderBy, ...], bool, bool, bool], Statement] = {}
        # The hot statements, compiled once for this database (skips the per-call cache look-up).
        self._get_q = compile(self._get, db.dialect)
        self._insert_q = compile(self._insert, db.dialect)
        # Whether their placeholders take the key / the fields in order, so an interpreter's
        # FETCH_ROWS fast path can be handed the values as they are.
        self._fetch_get = self._get_q.param_names == self._key
        self._fetch_insert = self._insert_q.param_names == names

    @property
    def database(self) -> Database:
        """The database this repository reads and writes."""
        return self._db

    @property
    def table(self) -> Table:
        """The table definition."""
        return self._table

    # --- writes --------------------------------------------------------------------------

    def insert(self, item: T, /) -> Result[T, SpineError]:  # noqa: PLR0911 - one exit per failure, a flat hot path
        """Insert ``item``; with an identity key left ``None``, the database assigns it."""
        values = self._values(item)
        if isinstance(values, ValidationError):
            return Failure(values)
        returning, at = self._insert_returning, self._identity_at
        if returning is not None and at is not None and values[at] is None:
            ran = self._db.execute(returning, self._named(values))
            if not isinstance(ran, Success):
                return Failure(ran.failure())
            return self._one(ran.unwrap())
        conn = self._db.connection
        fetch: FetchRows | None = getattr(type(conn), FETCH_ROWS, None)
        try:  # past Database.execute, so its encoding guard is repeated here
            if fetch is not None and self._fetch_insert:
                done = fetch(conn, self._insert_q, tuple(values))
                return Failure(done) if isinstance(done, DatabaseError) else ok(item)
            ran = conn.execute(self._insert_q, self._named(values))
        except UnicodeEncodeError as exc:
            return Failure(unencodable(zip(self._fields, values, strict=True), exc))
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        return Success(item)

    def insert_many(self, items: Sequence[T], /) -> Result[int, SpineError]:
        """Insert every item in one batch, all or nothing; returns how many."""
        if not items:
            return Success(0)
        rows: list[dict[str, SqlValue]] = []
        for item in items:
            params = self._params(item)
            if isinstance(params, ValidationError):
                return Failure(params)
            rows.append(params)
        return self._db.executemany(self._insert, rows)

    def update(self, item: T, /) -> Result[T, SpineError]:
        """Overwrite the row with ``item``'s key; ``NotFoundError`` when there is none."""
        params = self._params(item)
        if isinstance(params, ValidationError):
            return Failure(params)
        if self._update is not None:
            ran = self._db.execute(self._update, params)
            if not isinstance(ran, Success):
                return Failure(ran.failure())
            if ran.unwrap().rowcount > 0:
                return Success(item)
        # No row matched (or a key-only table has nothing to set): is there one at all?
        key = tuple(params[k] for k in self._key)
        found = self.get(*key)
        if not isinstance(found, Success):
            return Failure(found.failure())
        if found.unwrap() is None:
            msg = f"no {self._table.name!r} row with key {key}"
            return Failure(NotFoundError(msg, resource=self._table.name, key=str(key)))
        return Success(item)

    def upsert(self, item: T, /) -> Result[T, SpineError]:
        """Insert ``item``, or overwrite the row with its key."""
        params = self._params(item)
        if isinstance(params, ValidationError):
            return Failure(params)
        ran = self._db.execute(self._upsert, params)
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        return Success(item)

    def delete(self, *key: SqlValue) -> Result[bool, SpineError]:
        """Delete the row with ``key``; ``True`` if there was one."""
        params = self._key_params(key)
        if isinstance(params, ValidationError):
            return Failure(params)
        return self._db.execute(self._delete, params).map(lambda rows: rows.rowcount > 0)

    # --- reads ---------------------------------------------------------------------------

    def get(self, *key: SqlValue) -> Result[T | None, SpineError]:
        """The row with primary key ``key`` (in ``Table.primary_key`` order), or ``None``."""
        conn = self._db.connection
        fetch: FetchRows | None = getattr(type(conn), FETCH_ROWS, None)
        rows: Sequence[tuple[SqlValue, ...]] | None
        try:  # past Database.execute, so its encoding guard is repeated here
            if fetch is not None and self._fetch_get and len(key) == len(self._key):
                fetched = fetch(conn, self._get_q, key)
                if isinstance(fetched, DatabaseError):
                    return Failure(fetched)
                rows = fetched
            else:
                params = self._key_params(key)
                if isinstance(params, ValidationError):
                    return Failure(params)
                ran = conn.execute(self._get_q, params)
                if not isinstance(ran, Success):
                    return Failure(ran.failure())
                rows = ran.unwrap().rows
        except UnicodeEncodeError as exc:
            return Failure(unencodable(zip(self._key, key, strict=False), exc))
        if not rows:
            return _NOT_FOUND
        item = (self._row_decoder or self._decode)(rows[0])
        return Failure(item) if isinstance(item, ValidationError) else ok(item)

    def find(
        self,
        where: Mapping[str, SqlValue] | None = None,
        /,
        *,
        order_by: Sequence[str | OrderBy] = (),
        limit: int | None = None,
    ) -> Result[tuple[T, ...], SpineError]:
        """Rows whose columns equal ``where``'s values (all, when empty), in ``order_by`` order."""
        where = where or {}
        statement = self._select(tuple(where), tuple(order_by), limit=limit is not None, after=False)
        if isinstance(statement, ValidationError):
            return Failure(statement)
        params: dict[str, SqlValue] = dict(where)
        if limit is not None:
            params["limit"] = limit
        return self._many(statement, params)

    def count(self, where: Mapping[str, SqlValue] | None = None, /) -> Result[int, SpineError]:
        """How many rows match ``where``."""
        where = where or {}
        try:
            statement = count(self._table, where=list(where))
        except ValidationError as exc:
            return Failure(exc)
        ran = self._db.execute(statement, dict(where))
        return ran.map(lambda rows: _count_of(rows.rows[0][0]))

    def page(
        self, limit: int, /, *, after: T | None = None, order_by: Sequence[str] = ()
    ) -> Result[Page[T], SpineError]:
        """Keyset paging: the ``limit`` rows after ``after`` in ``order_by`` (+ key) order."""
        order = tuple(order_by) + tuple(k for k in self._key if k not in order_by)
        statement = self._select((), order, limit=True, after=after is not None)
        if isinstance(statement, ValidationError):
            return Failure(statement)
        params: dict[str, SqlValue] = {"limit": limit + 1}
        if after is not None:
            values = self._params(after)
            if isinstance(values, ValidationError):
                return Failure(values)
            params.update({f"after_{name}": values[name] for name in order})
        return self._many(statement, params).map(lambda items: _page(items, limit))

    def page_at(
        self, limit: int, offset: int, /, *, order_by: Sequence[str] = ()
    ) -> Result[Page[T], SpineError]:
        """Offset paging: ``limit`` rows from ``offset`` in ``order_by`` (+ key) order."""
        order = tuple(order_by) + tuple(k for k in self._key if k not in order_by)
        statement = self._select((), order, limit=True, after=False, offset=True)
        if isinstance(statement, ValidationError):
            return Failure(statement)
        params: dict[str, SqlValue] = {"limit": limit + 1, "offset": offset}
        return self._many(statement, params).map(lambda items: _page(items, limit))

    # --- plumbing ------------------------------------------------------------------------

    def _select(
        self,
        where: tuple[str, ...],
        order: tuple[str | OrderBy, ...],
        *,
        limit: bool,
        after: bool,
        offset: bool = False,
    ) -> Statement | ValidationError:
        key = (where, order, limit, after, offset)
        statement = self._find.get(key)
        if statement is None:
            try:
                statement = select(
                    self._table,
                    self._fields,
                    where=where,
                    order_by=order,
                    limit=limit,
                    after=after,
                    offset=offset,
                )
            except ValidationError as exc:
                return exc
            self._find[key] = statement
        return statement

    def _values(self, item: T) -> list[SqlValue] | ValidationError:
        values = [getattr(item, name) for name in self._fields]
        for index, convert in self._writers:
            value = values[index]
            if value is not None:
                try:  # free unless it raises: a value its column cannot hold (JSON of an object())
                    values[index] = convert(value)
                except _WRITE_ERRORS as exc:
                    return _unstorable(self._table, self._fields[index], value, exc)
        return values

    def _named(self, values: Sequence[SqlValue]) -> dict[str, SqlValue]:
        return dict(zip(self._fields, values, strict=True))

    def _params(self, item: T) -> dict[str, SqlValue] | ValidationError:
        values = self._values(item)
        return values if isinstance(values, ValidationError) else self._named(values)

    def _key_params(self, key: tuple[SqlValue, ...]) -> dict[str, SqlValue] | ValidationError:
        names = self._key
        if len(key) == len(names) == 1:
            return {names[0]: key[0]}
        if len(key) != len(names):
            msg = f"{self._table.name!r} is keyed by {self._key}, got {len(key)} value(s)"
            return ValidationError(msg, field="key", value=key, constraint=f"{len(self._key)} values")
        return dict(zip(self._key, key, strict=True))

    def _decode(self, row: Sequence[object]) -> T | ValidationError:
        # The general decoder; models that _row_decoder covers never come here.
        values = list(row)
        for index, convert, exact in self._readers:
            value = values[index]
            # Most values already have the promised type: a type check instead of a call.
            if value is not None and type(value) is not exact:
                values[index] = convert(value)
        try:
            if self._plain:
                return self._model(**dict(zip(self._fields, values, strict=True)))
            fields = dict(zip(self._fields, values, strict=True))
            return msgspec.convert(fields, self._model, strict=False, dec_hook=dec_hook)
        except _ROW_ERRORS as exc:
            return _misfit(self._table, self._model)(exc)

    def _many(
        self, statement: Statement, params: Mapping[str, SqlValue]
    ) -> Result[tuple[T, ...], SpineError]:
        ran = self._db.execute(statement, params)
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        items: list[T] = []
        decode = self._row_decoder or self._decode
        for row in ran.unwrap().rows:
            decoded = decode(row)
            if isinstance(decoded, ValidationError):
                return Failure(decoded)
            items.append(decoded)
        return Success(tuple(items))

    def _one(self, rows: Rows) -> Result[T, SpineError]:
        if not rows.rows:
            msg = f"insert into {self._table.name!r} returned no row"
            return Failure(NotFoundError(msg, resource=self._table.name))
        item = (self._row_decoder or self._decode)(rows.rows[0])
        return Failure(item) if isinstance(item, ValidationError) else Success(item)


def _is_plain(annotation: object, sql_type: SqlType) -> bool:
    """Whether the column reader's output already is exactly what ``annotation`` accepts."""
    args = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    wanted = _PLAIN.get(sql_type.kind)
    return wanted is not None and all(a is type(None) or a is wanted for a in args)


def _unstorable(table: Table, column: str, value: object, exc: Exception) -> ValidationError:
    """The error for a value the writer of ``table.column`` cannot convert (never raised)."""
    msg = f"{table.name}.{column}: cannot store a {type(value).__qualname__}: {exc}"
    return ValidationError(msg, field=column, constraint=f"storable in {table.name}.{column}")


def _misfit(table: Table, model: type) -> Callable[[Exception], ValidationError]:
    """The error for a row of ``table`` that ``model`` does not accept."""

    def error(exc: Exception) -> ValidationError:
        msg = f"a row of {table.name!r} does not fit {model.__qualname__}: {exc}"
        return ValidationError(msg, constraint=model.__qualname__)

    return error


def _count_of(value: SqlValue) -> int:
    # COUNT(*) is an integer everywhere; Oracle's NUMBER may arrive as Decimal.
    if isinstance(value, int | Decimal | float):
        return int(value)
    msg = f"COUNT(*) returned {value!r}"
    raise TypeError(msg)


def _page[T](items: tuple[T, ...], limit: int) -> Page[T]:
    return Page(items=items[:limit], has_more=len(items) > limit)
