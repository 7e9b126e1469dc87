"""Column values across the driver boundary, decided by the column's portable ``SqlType``.

Drivers return what their database stores: SQLite gives ISO text for instants and exact
decimals, 0/1 for booleans and JSON text; MySQL, Oracle and Db2 give naive datetimes that
spine wrote as UTC; PostgreSQL gives aware ones. :func:`from_sql` turns each into the one
Python value the ``SqlType`` promises, so a row reads back the same on every target.
:func:`to_sql` does the reverse for what drivers cannot bind as is (JSON documents, spine's
value types such as ``WeekEnding``, enums).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Final, cast

import msgspec

from spine.core.codec import enc_hook, encode_json
from spine.storage.compiled import SqlValue
from spine.storage.sql.types import SqlType, TypeKind

__all__ = ["ColumnReader", "exact_type", "from_sql", "reader", "row_decoder", "to_sql", "writer"]

type Converter = Callable[[object], object]

type ColumnReader = tuple[int, Converter, type | None]
"""A column that may need converting on the way in: index, :func:`reader`, :func:`exact_type`."""

_NATIVE: Final = (bool, int, float, str, bytes, Decimal, datetime, date)


# Readers run once per column per row: each returns at once when the driver already gave
# the promised type (the common case), and isinstance takes prebuilt tuples, not unions.
_DEC_FLOAT: Final = (Decimal, float)
_DEC_INT: Final = (Decimal, int)
_STR_INT: Final = (str, int)
_BYTES_LIKE: Final = (bytes, bytearray)


def _instant(value: object) -> object:
    if type(value) is str:
        value = datetime.fromisoformat(value)
        if value.tzinfo is UTC:  # the text spine writes on SQLite: done, skip the checks below
            return value
    if isinstance(value, datetime):
        tz = value.tzinfo
        if tz is UTC:
            return value
        return value.replace(tzinfo=UTC) if tz is None else value.astimezone(UTC)
    return value


def _day(value: object) -> object:
    if type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _boolean(value: object) -> object:
    if type(value) is bool:
        return value
    return bool(value) if isinstance(value, _DEC_INT) else value


def _exact(value: object) -> object:
    if type(value) is Decimal:
        return value
    return Decimal(value) if isinstance(value, _STR_INT) and not isinstance(value, bool) else value


def _integer(value: object) -> object:
    if type(value) is int:
        return value
    return int(value) if isinstance(value, _DEC_FLOAT) and value == int(value) else value


def _double(value: object) -> object:
    if type(value) is float:
        return value
    return float(value) if isinstance(value, _DEC_INT) and not isinstance(value, bool) else value


def _document(value: object) -> object:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, _BYTES_LIKE):
        value = value.decode()
    return json.loads(value) if isinstance(value, str) else value


def _binary(value: object) -> object:
    if type(value) is bytes:
        return value
    if isinstance(value, memoryview):
        return value.tobytes()
    return bytes(value) if isinstance(value, bytearray) else value


_READERS: Final[dict[TypeKind, Converter]] = {
    TypeKind.TIMESTAMPTZ: _instant,
    TypeKind.DATE: _day,
    TypeKind.BOOLEAN: _boolean,
    TypeKind.DECIMAL: _exact,
    TypeKind.BIGINT: _integer,
    TypeKind.INTEGER: _integer,
    TypeKind.SMALLINT: _integer,
    TypeKind.DOUBLE: _double,
    TypeKind.JSON: _document,
    TypeKind.BYTES: _binary,
}


# The type a reader hands back unchanged, so callers on a hot path can skip calling it.
# Instants have none: a datetime may still need its zone made UTC.
_EXACT: Final[dict[TypeKind, type]] = {
    TypeKind.DATE: date,
    TypeKind.BOOLEAN: bool,
    TypeKind.DECIMAL: Decimal,
    TypeKind.BIGINT: int,
    TypeKind.INTEGER: int,
    TypeKind.SMALLINT: int,
    TypeKind.DOUBLE: float,
    TypeKind.BYTES: bytes,
}


def reader(sql_type: SqlType, /) -> Converter | None:
    """The converter for values read from a ``sql_type`` column (None: use as returned)."""
    return _READERS.get(sql_type.kind)


def exact_type(sql_type: SqlType, /) -> type | None:
    """The type whose values :func:`reader`'s converter returns unchanged (None: always call it).

    A value whose ``type()`` is exactly this needs no conversion: the check costs far less
    than the call, and drivers usually return the promised type already.

    >>> from spine.storage.sql.types import BIGINT, TIMESTAMPTZ
    >>> exact_type(BIGINT), exact_type(TIMESTAMPTZ)
    (<class 'int'>, None)
    """
    return _EXACT.get(sql_type.kind)


def from_sql(sql_type: SqlType, value: object, /) -> object:
    """A value read from a ``sql_type`` column, as the type promises (NULL stays None).

    >>> from spine.storage.sql.types import BOOLEAN, TIMESTAMPTZ
    >>> from_sql(BOOLEAN, 1), from_sql(TIMESTAMPTZ, "2025-01-03 10:00:00.000001+00:00")
    (True, datetime.datetime(2025, 1, 3, 10, 0, 0, 1, tzinfo=datetime.timezone.utc))
    """
    convert = _READERS.get(sql_type.kind)
    return value if value is None or convert is None else convert(value)


def _json_text(value: object) -> object:
    return encode_json(value).decode()


def _general(value: object) -> object:
    if isinstance(value, _NATIVE):
        return value
    if isinstance(value, Enum):
        return value.value
    return msgspec.to_builtins(value, enc_hook=enc_hook, builtin_types=(datetime, date, Decimal, bytes))


def writer(sql_type: SqlType, /) -> Converter:
    """The converter for values bound to a ``sql_type`` column."""
    return _json_text if sql_type.kind is TypeKind.JSON else _general


def to_sql(sql_type: SqlType, value: object, /) -> SqlValue:
    """A value ready to bind to a ``sql_type`` column (JSON encoded, spine values unwrapped).

    >>> from spine.storage.sql.types import JSON
    >>> to_sql(JSON, {"a": [1, 2]})
    '{"a":[1,2]}'
    """
    if value is None:
        return None
    converted = writer(sql_type)(value)
    if converted is None or isinstance(converted, _NATIVE):
        return converted
    msg = f"cannot bind a {type(value).__qualname__} to a {sql_type} column"
    raise TypeError(msg)


def row_decoder[T, E](
    build: Callable[..., T],
    width: int,
    readers: Sequence[ColumnReader],
    fail: Callable[[Exception], E],
    errors: tuple[type[Exception], ...],
    /,
) -> Callable[[Sequence[object]], T | E]:
    """A function that converts one ``width``-column row and passes it to ``build`` positionally.

    The function is generated once, unrolled for this row shape: one ``if`` per column in
    ``readers`` (skipped when the value is ``None`` or already of the exact type) and one
    call of ``build``; an exception of a type in ``errors`` from ``build`` becomes ``fail(exc)``.
    It does what a loop over ``readers`` does, at about half the cost (no list copy, no loop,
    no tuple unpacking per column), and a repository read runs it for every row. The
    generated source holds only fixed names and integers, never a table or column name.

    >>> from spine.storage.sql.types import BIGINT, TIMESTAMPTZ
    >>> readers = [(0, reader(BIGINT), exact_type(BIGINT)), (1, reader(TIMESTAMPTZ), None)]
    >>> decode = row_decoder(lambda *v: v, 3, readers, repr, (TypeError,))
    >>> decode((1, "2024-01-02 03:04:05.000006+00:00", "x"))
    (1, datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc), 'x')
    """
    names = [f"v{index}" for index in range(width)]
    namespace: dict[str, object] = {"build": build, "fail": fail, "errors": errors}
    lines = ["def decode(row):", f"    {', '.join(names)}, = row" if names else "    () = row"]
    for index, convert, exact in readers:
        value = names[index]
        namespace[f"convert{index}"] = convert
        if exact is None:
            lines.append(f"    if {value} is not None:")
        else:
            namespace[f"exact{index}"] = exact
            lines.append(f"    if {value} is not None and type({value}) is not exact{index}:")
        lines.append(f"        {value} = convert{index}({value})")
    lines += [
        "    try:",
        f"        return build({', '.join(names)})",
        "    except errors as exc:",
        "        return fail(exc)",
    ]
    exec("\n".join(lines), namespace)  # noqa: S102 - fixed names and integers only (see above)
    return cast("Callable[[Sequence[object]], T | E]", namespace["decode"])
