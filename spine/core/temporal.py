"""``WeekEnding``: the Friday that names a financial week.

A week is named by its Friday. ``WeekEnding(date)`` accepts only Fridays; anything else
is a ``ValidationError`` naming the Fridays either side. ``WeekEnding.from_any_date``
maps any day to its week's Friday the way financial calendars do: Monday to Thursday map
forward to the same week's Friday, and **Saturday and Sunday map forward to the following
Friday** (a weekend belongs to the week that starts after it, as in the original
spine-core).

``WeekEnding`` is an immutable value: ordered, hashable, ``str`` is the ISO date, and it
encodes to and from JSON/msgpack as that ISO string through :mod:`spine.core.codec`.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Final, final

from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError

__all__ = ["WeekEnding"]

_FRIDAY: Final = 4  # date.weekday(): Monday is 0
_WEEK: Final = timedelta(days=7)
_DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@final
class WeekEnding:
    """A Friday-aligned week anchor.

    >>> w = WeekEnding(dt.date(2025, 1, 3))
    >>> str(w), str(w.next()), str(w.previous(2))
    ('2025-01-03', '2025-01-10', '2024-12-20')
    >>> WeekEnding(dt.date(2025, 1, 1))
    Traceback (most recent call last):
    ...
    spine.core.errors.ValidationError: 2025-01-01 is a Wednesday, not a Friday; ...
    """

    __slots__ = ("_date",)
    _date: dt.date

    def __init__(self, friday: dt.date, /) -> None:
        if type(friday) is not dt.date:
            # datetime is a date subclass; silently dropping its time would hide bugs.
            msg = f"WeekEnding takes a datetime.date, got {type(friday).__name__}"
            raise ValidationError(msg, field="date", value=friday, constraint="datetime.date")
        if friday.weekday() != _FRIDAY:
            raise _not_a_friday(friday)
        object.__setattr__(self, "_date", friday)

    # --- construction ------------------------------------------------------------------

    @classmethod
    def parse(cls, value: str | dt.date, /) -> Result[WeekEnding, ValidationError]:
        """A ``WeekEnding`` from an ISO date string or a date, as a value.

        >>> WeekEnding.parse("2025-01-03")
        <Success: 2025-01-03>
        >>> WeekEnding.parse("2025-01-04").failure().message
        '2025-01-04 is a Saturday, not a Friday; the nearest Fridays are 2025-01-03 and 2025-01-10'
        """
        try:
            return Success(cls.from_iso(value) if isinstance(value, str) else cls(value))
        except ValidationError as exc:
            return Failure(exc)

    @classmethod
    def from_iso(cls, text: str, /) -> WeekEnding:
        """A ``WeekEnding`` from exactly ``YYYY-MM-DD``; raises ``ValidationError`` otherwise.

        Stricter than ``date.fromisoformat``, which also takes ``20250103`` and ``2025-W01-5``:
        one spelling per week keeps keys, partitions and file names unambiguous.

        >>> WeekEnding.from_iso("2025-01-03")
        WeekEnding(datetime.date(2025, 1, 3))
        """
        if not (len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit()):
            raise _not_iso(text)
        try:
            return cls(dt.date.fromisoformat(text))
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                raise
            raise _not_iso(text) from exc

    @classmethod
    def from_any_date(cls, day: dt.date, /) -> WeekEnding:
        """The week a day belongs to: Mon-Fri → that Friday; Sat/Sun → the next Friday.

        >>> [str(WeekEnding.from_any_date(dt.date(2025, 1, d))) for d in (6, 10, 11, 12)]
        ['2025-01-10', '2025-01-10', '2025-01-17', '2025-01-17']
        """
        return cls(_plain(day) + timedelta(days=(_FRIDAY - day.weekday()) % 7))

    @classmethod
    def last_n(cls, n: int, as_of: dt.date, /) -> tuple[WeekEnding, ...]:
        """The ``n`` most recent week endings on or before ``as_of``, oldest first.

        Weeks that have not ended by ``as_of`` are left out: on a Wednesday the latest is
        the previous Friday.

        >>> [str(w) for w in WeekEnding.last_n(2, dt.date(2025, 1, 8))]
        ['2024-12-27', '2025-01-03']
        """
        if n < 0:
            msg = f"n must be >= 0, got {n}"
            raise ValueError(msg)
        day = _plain(as_of)
        latest = cls(day - timedelta(days=(day.weekday() - _FRIDAY) % 7))
        return latest.window(n)

    @classmethod
    def range(cls, start: WeekEnding, end: WeekEnding, /) -> tuple[WeekEnding, ...]:
        """Every week ending from ``start`` to ``end`` inclusive, ascending; empty if start > end.

        >>> first, last = WeekEnding(dt.date(2025, 1, 3)), WeekEnding(dt.date(2025, 1, 17))
        >>> [str(w) for w in WeekEnding.range(first, last)]
        ['2025-01-03', '2025-01-10', '2025-01-17']
        """
        count = (end._date - start._date).days // 7 + 1
        return tuple(cls(start._date + i * _WEEK) for i in range(max(count, 0)))

    # --- navigation --------------------------------------------------------------------

    @property
    def date(self) -> dt.date:
        """The Friday."""
        return self._date

    def next(self, n: int = 1, /) -> WeekEnding:
        """``n`` weeks later (earlier if ``n`` is negative)."""
        return WeekEnding(self._date + n * _WEEK)

    def previous(self, n: int = 1, /) -> WeekEnding:
        """``n`` weeks earlier (later if ``n`` is negative)."""
        return WeekEnding(self._date - n * _WEEK)

    def window(self, size: int, /) -> tuple[WeekEnding, ...]:
        """The ``size`` weeks ending with this one, oldest first.

        >>> [str(w) for w in WeekEnding(dt.date(2025, 1, 17)).window(3)]
        ['2025-01-03', '2025-01-10', '2025-01-17']
        """
        if size < 0:
            msg = f"size must be >= 0, got {size}"
            raise ValueError(msg)
        return tuple(self.previous(k) for k in range(size - 1, -1, -1))

    def weeks_until(self, other: WeekEnding, /) -> int:
        """How many weeks ``other`` is after this one (negative if before)."""
        return (other._date - self._date).days // 7

    @property
    def week_start(self) -> dt.date:
        """The Monday of this week."""
        return self._date - timedelta(days=4)

    # --- value protocol ----------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        msg = "WeekEnding is immutable"
        raise AttributeError(msg)

    def __delattr__(self, name: str) -> None:
        msg = "WeekEnding is immutable"
        raise AttributeError(msg)

    def __reduce__(self) -> tuple[type[WeekEnding], tuple[dt.date]]:
        return (WeekEnding, (self._date,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WeekEnding):
            return NotImplemented
        return self._date == other._date

    def __lt__(self, other: WeekEnding, /) -> bool:
        theirs = _date_of(other)
        return NotImplemented if theirs is None else self._date < theirs

    def __le__(self, other: WeekEnding, /) -> bool:
        theirs = _date_of(other)
        return NotImplemented if theirs is None else self._date <= theirs

    def __gt__(self, other: WeekEnding, /) -> bool:
        theirs = _date_of(other)
        return NotImplemented if theirs is None else self._date > theirs

    def __ge__(self, other: WeekEnding, /) -> bool:
        theirs = _date_of(other)
        return NotImplemented if theirs is None else self._date >= theirs

    def __hash__(self) -> int:
        return hash((WeekEnding, self._date))

    def __str__(self) -> str:
        return self._date.isoformat()

    def __repr__(self) -> str:
        return f"WeekEnding({self._date!r})"


def _date_of(other: object) -> dt.date | None:
    """``other``'s Friday if it is a ``WeekEnding``, else None.

    Comparing with anything else is then a ``TypeError`` (through ``NotImplemented``), as
    for ``date``, rather than an ``AttributeError``.
    """
    return other._date if isinstance(other, WeekEnding) else None  # noqa: SLF001


def _plain(day: dt.date) -> dt.date:
    """A ``datetime`` narrowed to its date; a plain ``date`` unchanged."""
    return dt.date(day.year, day.month, day.day) if type(day) is not dt.date else day


def _not_a_friday(day: dt.date) -> ValidationError:
    before = day - timedelta(days=(day.weekday() - _FRIDAY) % 7)
    after = before + _WEEK
    return ValidationError(
        f"{day.isoformat()} is a {_DAY_NAMES[day.weekday()]}, not a Friday; "
        f"the nearest Fridays are {before.isoformat()} and {after.isoformat()}",
        field="date",
        value=day.isoformat(),
        constraint="a Friday",
    )


def _not_iso(text: str) -> ValidationError:
    return ValidationError(
        f"not an ISO date (YYYY-MM-DD): {text!r}", field="date", value=text, constraint="YYYY-MM-DD"
    )
