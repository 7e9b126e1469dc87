"""``SqlType``: the small, portable column-type vocabulary every target can store faithfully.

==============  ========================================================================
type            meaning (what every target guarantees)
==============  ========================================================================
``BIGINT``      64-bit signed integer
``INTEGER``     32-bit signed integer
``SMALLINT``    16-bit signed integer
``BOOLEAN``     true/false (``NUMBER(1)``/``SMALLINT`` + ``CHECK (x IN (0, 1))`` where
                the target has no boolean type)
``TEXT``        unbounded text; **not** comparable, orderable or indexable everywhere
                (Oracle/Db2 ``CLOB``): use ``varchar(n)`` for keys and sort columns
``varchar(n)``  up to ``n`` *characters* (1-4000), indexable
``decimal``     exact ``decimal(p, s)``, p 1-31 (Db2's maximum); ``TEXT`` on SQLite
``DOUBLE``      IEEE 754 double
``TIMESTAMPTZ`` an instant, stored as UTC: ``TIMESTAMPTZ`` on PostgreSQL, a UTC
                ``TIMESTAMP(6)``/``DATETIME(6)`` on Oracle, Db2 and MySQL, ISO text on SQLite
``DATE``        a calendar date
``JSON``        a JSON document (``JSONB`` on PostgreSQL, checked ``CLOB`` on Oracle 19)
``BYTES``       unbounded binary
==============  ========================================================================

Values are built once and compared by value: ``varchar(100) == varchar(100)``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from spine.core.errors import ValidationError

__all__ = [
    "BIGINT",
    "BOOLEAN",
    "BYTES",
    "DATE",
    "DOUBLE",
    "INTEGER",
    "JSON",
    "SMALLINT",
    "TEXT",
    "TIMESTAMPTZ",
    "SqlType",
    "TypeKind",
    "decimal",
    "varchar",
]

MAX_VARCHAR: Final = 4000
MAX_PRECISION: Final = 31


class TypeKind(StrEnum):
    """The families of :class:`SqlType`."""

    BIGINT = "bigint"
    INTEGER = "integer"
    SMALLINT = "smallint"
    BOOLEAN = "boolean"
    TEXT = "text"
    VARCHAR = "varchar"
    DECIMAL = "decimal"
    DOUBLE = "double"
    TIMESTAMPTZ = "timestamptz"
    DATE = "date"
    JSON = "json"
    BYTES = "bytes"


class SqlType(msgspec.Struct, frozen=True, kw_only=True):
    """A portable column type. Use the constants and :func:`varchar`/:func:`decimal`.

    >>> varchar(20)
    SqlType(kind=<TypeKind.VARCHAR: 'varchar'>, length=20, precision=None, scale=None)
    >>> str(decimal(12, 2)), str(TIMESTAMPTZ)
    ('decimal(12, 2)', 'timestamptz')
    """

    kind: TypeKind
    length: int | None = None
    precision: int | None = None
    scale: int | None = None

    def __post_init__(self) -> None:
        if self.kind is TypeKind.VARCHAR:
            _check_range("length", self.length, 1, MAX_VARCHAR)
        elif self.length is not None:
            _refuse(self.kind, "length")
        if self.kind is TypeKind.DECIMAL:
            precision = _check_range("precision", self.precision, 1, MAX_PRECISION)
            _check_range("scale", self.scale, 0, precision)
        elif self.precision is not None or self.scale is not None:
            _refuse(self.kind, "precision/scale")

    @property
    def indexable(self) -> bool:
        """Whether every target can compare, order and index this type (LOBs cannot)."""
        return self.kind not in (TypeKind.TEXT, TypeKind.JSON, TypeKind.BYTES)

    def __str__(self) -> str:
        if self.kind is TypeKind.VARCHAR:
            return f"varchar({self.length})"
        if self.kind is TypeKind.DECIMAL:
            return f"decimal({self.precision}, {self.scale})"
        return str(self.kind)


def varchar(length: int, /) -> SqlType:
    """Text of at most ``length`` characters (1-4000).

    >>> varchar(0)
    Traceback (most recent call last):
    ...
    spine.core.errors.ValidationError: varchar length must be an int from 1 to 4000, got 0
    """
    return SqlType(kind=TypeKind.VARCHAR, length=length)


def decimal(precision: int, scale: int = 0, /) -> SqlType:
    """An exact decimal with ``precision`` digits (1-31), ``scale`` of them after the point.

    >>> decimal(12, 2).scale
    2
    """
    return SqlType(kind=TypeKind.DECIMAL, precision=precision, scale=scale)


def _check_range(name: str, value: int | None, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        kind = "varchar" if name == "length" else "decimal"
        msg = f"{kind} {name} must be an int from {low} to {high}, got {value!r}"
        raise ValidationError(msg, field=name, value=value, constraint=f"{low}..{high}")
    return value


def _refuse(kind: TypeKind, what: str) -> None:
    msg = f"{kind} takes no {what}"
    raise ValidationError(msg, field=what, constraint=f"unset for {kind}")


BIGINT: Final = SqlType(kind=TypeKind.BIGINT)
INTEGER: Final = SqlType(kind=TypeKind.INTEGER)
SMALLINT: Final = SqlType(kind=TypeKind.SMALLINT)
BOOLEAN: Final = SqlType(kind=TypeKind.BOOLEAN)
TEXT: Final = SqlType(kind=TypeKind.TEXT)
DOUBLE: Final = SqlType(kind=TypeKind.DOUBLE)
TIMESTAMPTZ: Final = SqlType(kind=TypeKind.TIMESTAMPTZ)
DATE: Final = SqlType(kind=TypeKind.DATE)
JSON: Final = SqlType(kind=TypeKind.JSON)
BYTES: Final = SqlType(kind=TypeKind.BYTES)
