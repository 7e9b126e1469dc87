"""Time windows over detection times, computed from timezone-aware instants only.

A window is a pair of UTC instants, both bounds inclusive. It reaches the database as bound
datetime parameters, never as text built here: each driver stores and compares instants in
UTC (:mod:`spine.storage.drivers._values`), so ``10:00+05:30`` and ``20:30-08:00`` the day
before are the same instant on SQLite, PostgreSQL and MariaDB alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError

__all__ = ["TimeWindow", "aware", "trailing"]


class TimeWindow(msgspec.Struct, frozen=True, kw_only=True):
    """The instants from ``start`` to ``end``, both included, in UTC."""

    start: datetime
    end: datetime

    def __contains__(self, instant: datetime, /) -> bool:
        return self.start <= instant <= self.end


def aware(field: str, value: datetime, /) -> Result[datetime, ValidationError]:
    """``value`` in UTC, or a ``ValidationError`` when it is naive (its instant is unknown).

    >>> from datetime import timezone
    >>> aware("since", datetime(2025, 1, 3, 1, tzinfo=timezone(-timedelta(hours=8)))).unwrap().isoformat()
    '2025-01-03T09:00:00+00:00'
    >>> aware("since", datetime(2025, 1, 3)).failure().field
    'since'
    """
    if value.utcoffset() is None:
        msg = f"{field} must be a timezone-aware datetime, got {value.isoformat()}"
        return Failure(ValidationError(msg, field=field, value=value, constraint="timezone-aware"))
    return Success(value.astimezone(UTC))


def trailing(window: timedelta, now: datetime, /) -> Result[TimeWindow, ValidationError]:
    """The ``window`` that ends at ``now``: ``[now - window, now]``.

    >>> from datetime import timezone
    >>> ist = timezone(timedelta(hours=5, minutes=30))
    >>> w = trailing(timedelta(hours=2), datetime(2025, 1, 3, 10, tzinfo=ist))
    >>> w.unwrap().start.isoformat(), w.unwrap().end.isoformat()
    ('2025-01-03T02:30:00+00:00', '2025-01-03T04:30:00+00:00')
    """
    if window < timedelta(0):
        msg = f"a window cannot be negative, got {window}"
        return Failure(ValidationError(msg, field="window", value=window, constraint=">= 0"))
    end = aware("now", now)
    if not isinstance(end, Success):
        return Failure(end.failure())
    stop = end.unwrap()
    return Success(TimeWindow(start=stop - window, end=stop))
