"""Value conversions at the driver boundary: instants in UTC, exact decimals.

spine passes timezone-aware datetimes and hands them back in UTC. Databases without a
zoned type (SQLite, MySQL ``DATETIME(6)``, Db2, Oracle ``TIMESTAMP``) store UTC; the
helpers here turn parameters into what each driver stores and naive results back into
aware UTC datetimes. A naive datetime parameter is refused: its instant is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final

from spine.storage.compiled import CompiledQuery, SqlValue
from spine.storage.connection import ParameterError

__all__ = [
    "NATIVE_TYPES",
    "aware_utc",
    "naive_error",
    "to_naive_utc",
    "to_sqlite",
    "utc_text",
    "with_utc",
]

NATIVE_TYPES: Final = frozenset({int, str, float, bytes, bool, type(None)})
"""Parameter types every driver binds unchanged (the fast path checks only this)."""


def naive_error(query: CompiledQuery, index: int, value: datetime) -> ParameterError:
    """The error for a naive datetime bound at ``index``."""
    names = query.param_names
    name = names[index] if index < len(names) else str(index)
    return ParameterError(
        f"parameter :{name} is a naive datetime; pass a timezone-aware one (UTC)",
        field=name,
        value=value.isoformat(),
        constraint="timezone-aware datetime",
    )


def utc_text(value: datetime) -> str:
    """Fixed-width UTC text that sorts like the instants it names.

    >>> from datetime import timedelta, timezone
    >>> utc_text(datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))))
    '2024-05-01 10:00:00.000000+00:00'
    """
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # Positional arguments, and no replace(tzinfo=None): datetime.replace parses eight
    # keywords (about 9,000 instructions on 3.12, more than the formatting itself), and this
    # runs for every instant SQLite stores. UTC renders as the fixed "+00:00".
    return value.isoformat(" ", "microseconds")


def aware_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive value is taken to be UTC already (how spine stores them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_sqlite(query: CompiledQuery, args: Sequence[SqlValue]) -> tuple[SqlValue, ...] | ParameterError:
    """Arguments for sqlite3: datetimes as UTC text, dates as ISO text, decimals as exact text.

    >>> from spine.storage.compiled import Paramstyle
    >>> q = CompiledQuery(sql="", dialect="sqlite", paramstyle=Paramstyle.QMARK, param_names=("a", "b"))
    >>> to_sqlite(q, (Decimal("1.10"), date(2024, 1, 2)))
    ('1.10', '2024-01-02')
    """
    out: list[SqlValue] = []
    for index, value in enumerate(args):
        if isinstance(value, datetime):
            if value.utcoffset() is None:
                return naive_error(query, index, value)
            out.append(utc_text(value))
        elif isinstance(value, date):
            out.append(value.isoformat())
        elif isinstance(value, Decimal):
            out.append(str(value))
        else:
            out.append(value)
    return tuple(out)


def to_naive_utc(query: CompiledQuery, args: Sequence[SqlValue]) -> tuple[SqlValue, ...] | ParameterError:
    """Arguments with aware datetimes as naive UTC (for types that store no zone).

    >>> from datetime import timedelta, timezone
    >>> from spine.storage.compiled import Paramstyle
    >>> q = CompiledQuery(sql="", dialect="mysql", paramstyle=Paramstyle.FORMAT, param_names=("t",))
    >>> to_naive_utc(q, (datetime(2024, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))),))
    (datetime.datetime(2024, 1, 1, 0, 0),)
    """
    out: list[SqlValue] = []
    for index, value in enumerate(args):
        if isinstance(value, datetime):
            if value.utcoffset() is None:
                return naive_error(query, index, value)
            out.append(value.astimezone(UTC).replace(tzinfo=None))
        else:
            out.append(value)
    return tuple(out)


def with_utc(row: Sequence[SqlValue]) -> tuple[SqlValue, ...]:
    """``row`` with naive datetimes made aware UTC (drivers of zone-less types).

    >>> with_utc((1, datetime(2024, 1, 1)))
    (1, datetime.datetime(2024, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))
    """
    return tuple(aware_utc(v) if isinstance(v, datetime) else v for v in row)
