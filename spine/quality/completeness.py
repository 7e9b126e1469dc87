"""Completeness checks: is all the data there? Row counts and null rates.

>>> rows = [{"id": 1, "email": "a@x"}, {"id": 2, "email": None}, {"id": 3}]
>>> row_count(min=1, max=10)(rows).status.value
'pass'
>>> result = null_rate("email", max_rate=0.5, warn_rate=0.1)(rows)
>>> result.status.value, result.actual
('fail', {'rate': 0.6666666666666666, 'nulls': 2, 'rows': 3})
"""

from __future__ import annotations

import math
from itertools import pairwise

import msgspec

from spine.core.errors import ValidationError
from spine.quality.check import Dataset, QualityCheck, Verdict, grade
from spine.quality.result import QualityStatus

__all__ = ["NullRateRule", "RowCountRule", "is_null", "null_rate", "row_count"]


class RowCountRule(msgspec.Struct, frozen=True, kw_only=True):
    """Row count bounds: outside ``[min_rows, max_rows]`` fails, outside the warn bounds warns.

    Every bound is optional (at least one is needed); the warn bounds lie within the fail
    bounds.
    """

    min_rows: int | None = None
    max_rows: int | None = None
    warn_min: int | None = None
    warn_max: int | None = None

    def __post_init__(self) -> None:
        named = (
            ("min", self.min_rows),
            ("warn_min", self.warn_min),
            ("warn_max", self.warn_max),
            ("max", self.max_rows),
        )
        given = [(name, value) for name, value in named if value is not None]
        if not given:
            msg = "row_count needs a bound"
            raise ValidationError(msg, field="min", constraint="a bound")
        order = "0 <= min <= warn_min <= warn_max <= max"
        for (_, before), (name, value) in pairwise([("", 0), *given]):
            if value < before:
                msg = f"row count bounds out of order: {name}={value} (need {order})"
                raise ValidationError(msg, field=name, value=value, constraint=order)

    def verdict(self, rows: Dataset, /) -> Verdict:
        """Count ``rows`` and judge the count."""
        n = len(rows)
        status, message = QualityStatus.PASS, f"{n} rows"
        if self.min_rows is not None and n < self.min_rows:
            status, message = QualityStatus.FAIL, f"{n} rows, fewer than the minimum {self.min_rows}"
        elif self.max_rows is not None and n > self.max_rows:
            status, message = QualityStatus.FAIL, f"{n} rows, more than the maximum {self.max_rows}"
        elif self.warn_min is not None and n < self.warn_min:
            status, message = QualityStatus.WARN, f"{n} rows, fewer than the expected {self.warn_min}"
        elif self.warn_max is not None and n > self.warn_max:
            status, message = QualityStatus.WARN, f"{n} rows, more than the expected {self.warn_max}"
        expected: dict[str, object] = {
            "min": self.min_rows,
            "max": self.max_rows,
            "warn_min": self.warn_min,
            "warn_max": self.warn_max,
        }
        return Verdict(status=status, actual=n, expected=expected, message=message)


def row_count(
    min: int | None = None,
    max: int | None = None,
    *,
    warn_min: int | None = None,
    warn_max: int | None = None,
    name: str = "row_count",
) -> QualityCheck:
    """A check on the number of rows.

    >>> check = row_count(min=2, warn_min=5)
    >>> [check([{}] * n).status.value for n in (1, 3, 5)]
    ['fail', 'warn', 'pass']
    """
    rule = RowCountRule(min_rows=min, max_rows=max, warn_min=warn_min, warn_max=warn_max)
    return QualityCheck(name=name, measure=rule.verdict)


def is_null(value: object, /) -> bool:
    """Whether a value counts as missing: ``None`` or a float NaN.

    >>> is_null(None), is_null(float("nan")), is_null(0), is_null("")
    (True, True, False, False)
    """
    return value is None or (isinstance(value, float) and math.isnan(value))


class NullRateRule(msgspec.Struct, frozen=True, kw_only=True):
    """The share of rows where ``column`` is null (missing, ``None`` or NaN).

    A rate above ``max_rate`` fails; above ``warn_rate`` (lower) it warns. No rows: rate 0.
    """

    column: str
    max_rate: float = 0.0
    warn_rate: float | None = None

    def __post_init__(self) -> None:
        for name, rate in (("max_rate", self.max_rate), ("warn_rate", self.warn_rate)):
            if rate is not None and not 0.0 <= rate <= 1.0:
                msg = f"{name} must be in [0, 1], got {rate}"
                raise ValidationError(msg, field=name, value=rate, constraint="0 <= rate <= 1")
        if self.warn_rate is not None and not self.warn_rate < self.max_rate:
            msg = f"warn_rate ({self.warn_rate}) must be below max_rate ({self.max_rate})"
            raise ValidationError(msg, field="warn_rate", value=self.warn_rate, constraint="< max_rate")

    def verdict(self, rows: Dataset, /) -> Verdict:
        """Count the nulls in ``column`` and judge their share."""
        n = len(rows)
        nulls = sum(1 for row in rows if is_null(row.get(self.column)))
        rate = nulls / n if n else 0.0
        return Verdict(
            status=grade(rate, fail_over=self.max_rate, warn_over=self.warn_rate),
            actual={"rate": rate, "nulls": nulls, "rows": n},
            expected={"max_rate": self.max_rate, "warn_rate": self.warn_rate},
            message=f"{nulls} of {n} rows have no {self.column!r} ({rate:.2%})",
        )


def null_rate(
    column: str, *, max_rate: float = 0.0, warn_rate: float | None = None, name: str | None = None
) -> QualityCheck:
    """A check on the share of rows where ``column`` is null.

    >>> null_rate("email")([{"email": "a"}, {"email": None}]).message
    "1 of 2 rows have no 'email' (50.00%)"
    """
    rule = NullRateRule(column=column, max_rate=max_rate, warn_rate=warn_rate)
    return QualityCheck(name=name or f"null_rate({column})", measure=rule.verdict)
