"""Validity checks: unique keys, values within a range, values from an allowed set.

Each counts *violations* and judges the count with a :class:`~spine.quality.check.Tolerance`
(by default, one violation fails). Null values (``None``, missing, NaN) are not violations
here: :func:`~spine.quality.completeness.null_rate` is the check for them. Results list up
to ``sample`` offending values, as JSON-safe scalars.

>>> rows = [{"id": 1, "qty": 5, "side": "buy"}, {"id": 1, "qty": -2, "side": "hold"}]
>>> checks = (unique("id"), value_range("qty", lo=0), allowed_values("side", {"buy", "sell"}))
>>> [check(rows).status.value for check in checks]
['fail', 'fail', 'fail']
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Hashable
from datetime import date, datetime
from decimal import Decimal
from typing import Final, cast

import msgspec

from spine.core.errors import ValidationError
from spine.quality.check import Dataset, QualityCheck, Tolerance, Verdict, json_safe
from spine.quality.completeness import is_null

__all__ = [
    "AllowedValuesRule",
    "Bound",
    "UniqueRule",
    "ValueRangeRule",
    "allowed_values",
    "duplicate_keys",
    "unique",
    "value_range",
]

type Bound = int | float | Decimal | str | date | datetime
"""A range bound: compared with ``<`` against the column's values."""

_SAMPLE: Final = 20


def duplicate_keys(rows: Dataset, columns: tuple[str, ...], /) -> dict[tuple[object, ...], int]:
    """Every key (the values of ``columns``) held by more than one row, with its row count.

    Keys come in the order they were first seen. Key values must be hashable; ``None``
    (or a missing column) is a value like any other here.

    >>> duplicate_keys([{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 1}], ("a", "b"))
    {(1, 1): 2}
    """
    counts: dict[tuple[object, ...], int] = {}
    for row in rows:
        key = tuple(row.get(column) for column in columns)
        counts[key] = counts.get(key, 0) + 1
    return {key: n for key, n in counts.items() if n > 1}


def _key_measure(key: tuple[object, ...]) -> object:
    return json_safe(key[0]) if len(key) == 1 else [json_safe(v) for v in key]


class UniqueRule(msgspec.Struct, frozen=True, kw_only=True):
    """No two rows share a key; each key held by several rows is one violation."""

    columns: tuple[str, ...]
    tolerance: Tolerance = Tolerance()
    sample: int = _SAMPLE

    def __post_init__(self) -> None:
        if not self.columns:
            msg = "unique needs at least one key column"
            raise ValidationError(msg, field="columns", constraint="at least one column")

    def verdict(self, rows: Dataset, /) -> Verdict:
        """Find the duplicated keys and judge how many there are."""
        duplicates = duplicate_keys(rows, self.columns)
        extra = sum(duplicates.values()) - len(duplicates)
        examples = [_key_measure(key) for key in list(duplicates)[: self.sample]]
        return Verdict(
            status=self.tolerance.judge(len(duplicates)),
            actual={"duplicate_keys": len(duplicates), "duplicate_rows": extra, "examples": examples},
            expected={"columns": list(self.columns), **self.tolerance.as_measure()},
            message=f"{len(duplicates)} key(s) of ({', '.join(self.columns)}) repeat in {extra} extra row(s)",
        )


def unique(*columns: str, tolerance: Tolerance | None = None, name: str | None = None) -> QualityCheck:
    """A check that ``columns`` together identify each row.

    >>> unique("id")([{"id": 1}, {"id": 2}, {"id": 1}]).actual
    {'duplicate_keys': 1, 'duplicate_rows': 1, 'examples': [1]}
    """
    rule = UniqueRule(columns=columns, tolerance=tolerance or Tolerance())
    return QualityCheck(name=name or f"unique({','.join(columns)})", measure=rule.verdict)


class ValueRangeRule(msgspec.Struct, frozen=True, kw_only=True):
    """Every value of ``column`` lies in ``[lo, hi]`` (either bound optional, both inclusive).

    A value that cannot be compared with a bound (text against a number, a naive against an
    aware instant) is a violation too.
    """

    column: str
    lo: Bound | None = None
    hi: Bound | None = None
    tolerance: Tolerance = Tolerance()
    sample: int = _SAMPLE

    def __post_init__(self) -> None:
        if self.lo is None and self.hi is None:
            msg = "value_range needs lo, hi or both"
            raise ValidationError(msg, field="lo", constraint="a bound")

    def _outside(self, value: object) -> bool:
        # A row value may be anything: compare it as if it were a Bound, and count the
        # TypeError of an impossible comparison as a violation.
        candidate = cast("Bound", value)
        try:
            return bool(
                (self.lo is not None and operator.lt(candidate, self.lo))
                or (self.hi is not None and operator.gt(candidate, self.hi))
            )
        except TypeError:
            return True

    def verdict(self, rows: Dataset, /) -> Verdict:
        """Count the values outside the range and judge how many there are."""
        present = [value for row in rows if not is_null(value := row.get(self.column))]
        outside = [value for value in present if self._outside(value)]
        return Verdict(
            status=self.tolerance.judge(len(outside)),
            actual={
                "violations": len(outside),
                "checked": len(present),
                "examples": [json_safe(v) for v in outside[: self.sample]],
            },
            expected={"lo": json_safe(self.lo), "hi": json_safe(self.hi), **self.tolerance.as_measure()},
            message=f"{len(outside)} of {len(present)} {self.column!r} values outside "
            f"[{json_safe(self.lo)}, {json_safe(self.hi)}]",
        )


def value_range(
    column: str,
    lo: Bound | None = None,
    hi: Bound | None = None,
    *,
    tolerance: Tolerance | None = None,
    name: str | None = None,
) -> QualityCheck:
    """A check that ``column``'s values lie between ``lo`` and ``hi`` (inclusive).

    >>> value_range("px", 0, 100)([{"px": 5}, {"px": 101}, {"px": "n/a"}]).actual
    {'violations': 2, 'checked': 3, 'examples': [101, 'n/a']}
    """
    rule = ValueRangeRule(column=column, lo=lo, hi=hi, tolerance=tolerance or Tolerance())
    return QualityCheck(name=name or f"value_range({column})", measure=rule.verdict)


def _allowed(value: object, values: frozenset[Hashable]) -> bool:
    try:
        return value in values
    except TypeError:  # unhashable: cannot be one of them
        return False


class AllowedValuesRule(msgspec.Struct, frozen=True, kw_only=True):
    """Every value of ``column`` is one of ``values``."""

    column: str
    values: frozenset[Hashable]
    tolerance: Tolerance = Tolerance()
    sample: int = _SAMPLE

    def verdict(self, rows: Dataset, /) -> Verdict:
        """Count the values not in the set and judge how many there are."""
        present = [value for row in rows if not is_null(value := row.get(self.column))]
        bad = [value for value in present if not _allowed(value, self.values)]
        unexpected: list[object] = []
        for value in map(json_safe, bad):
            if value not in unexpected and len(unexpected) < self.sample:
                unexpected.append(value)
        return Verdict(
            status=self.tolerance.judge(len(bad)),
            actual={"violations": len(bad), "checked": len(present), "unexpected": unexpected},
            expected={
                "values": sorted((json_safe(v) for v in self.values), key=repr),
                **self.tolerance.as_measure(),
            },
            message=f"{len(bad)} of {len(present)} {self.column!r} values not allowed",
        )


def allowed_values(
    column: str, values: Collection[Hashable], *, tolerance: Tolerance | None = None, name: str | None = None
) -> QualityCheck:
    """A check that ``column`` only holds ``values``.

    >>> allowed_values("side", ["buy", "sell"])([{"side": "buy"}, {"side": "hold"}]).actual
    {'violations': 1, 'checked': 2, 'unexpected': ['hold']}
    """
    rule = AllowedValuesRule(column=column, values=frozenset(values), tolerance=tolerance or Tolerance())
    return QualityCheck(name=name or f"allowed_values({column})", measure=rule.verdict)
