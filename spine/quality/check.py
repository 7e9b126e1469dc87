"""``QualityCheck``: a named, pure function from a dataset to a verdict.

Checks read a :data:`Dataset`: rows as mappings from column name to value, for example a
list of dicts, ``csv.DictReader`` rows, or ``msgspec.to_builtins`` of Structs. A column
missing from a row reads as ``None``. A check never changes the rows, never reads a clock
(a check that needs "now" is given it as a value) and never does I/O, so the same rows
always give the same result.

Built-in checks (:mod:`~spine.quality.completeness`, :mod:`~spine.quality.validity`,
:mod:`~spine.quality.timeliness`, :mod:`~spine.quality.conformity`) keep their thresholds
in frozen Structs; a custom check is any function returning a :class:`Verdict`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

import msgspec

from spine.core.errors import ValidationError
from spine.core.json_types import JsonScalar
from spine.quality.result import Measure, QualityResult, QualityStatus

__all__ = ["Dataset", "QualityCheck", "Tolerance", "Verdict", "grade", "json_safe"]

type Dataset = Sequence[Mapping[str, object]]
"""Rows as mappings from column name to value; a missing column reads as ``None``."""

_MAX_NAME: Final = 200
_MAX_TEXT: Final = 200


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """What a check's function decides: a status, what it saw, what it wanted, and why."""

    status: QualityStatus
    actual: Measure = None
    expected: Measure = None
    message: str = ""


class QualityCheck(msgspec.Struct, frozen=True, kw_only=True):
    """A named check: ``measure`` is a pure function of the rows; call the check to run it.

    >>> def has_rows(rows: Dataset) -> Verdict:
    ...     return Verdict(status=QualityStatus.PASS if rows else QualityStatus.FAIL, actual=len(rows))
    >>> QualityCheck(name="has_rows", measure=has_rows)([{"id": 1}])
    QualityResult(check='has_rows', status=<QualityStatus.PASS: 'pass'>, actual=1, expected=None, message='')
    """

    name: str
    measure: Callable[[Dataset], Verdict]

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= _MAX_NAME:
            msg = f"a check's name must be 1-{_MAX_NAME} characters, got {self.name!r}"
            raise ValidationError(msg, field="name", value=self.name, constraint=f"1-{_MAX_NAME} characters")

    def __call__(self, rows: Dataset, /) -> QualityResult:
        """Run the check over ``rows`` (exceptions propagate; the runner turns them into FAIL)."""
        verdict = self.measure(rows)
        return QualityResult(
            check=self.name,
            status=verdict.status,
            actual=verdict.actual,
            expected=verdict.expected,
            message=verdict.message,
        )


def grade[N: (int, float, timedelta)](
    measured: N, /, *, fail_over: N | None, warn_over: N | None
) -> QualityStatus:
    """``FAIL`` above ``fail_over``, else ``WARN`` above ``warn_over``, else ``PASS`` (``None``: no limit).

    >>> [grade(rate, fail_over=0.5, warn_over=0.1).value for rate in (0.1, 0.2, 0.6)]
    ['pass', 'warn', 'fail']
    """
    if fail_over is not None and measured > fail_over:
        return QualityStatus.FAIL
    if warn_over is not None and measured > warn_over:
        return QualityStatus.WARN
    return QualityStatus.PASS


class Tolerance(msgspec.Struct, frozen=True, kw_only=True):
    """How many violations a check accepts before it warns, and before it fails.

    More than ``fail_over`` violations is ``FAIL`` (``None``: never); otherwise more than
    ``warn_over`` is ``WARN`` (``None``: never). The default fails on the first violation.

    >>> t = Tolerance(fail_over=10, warn_over=0)
    >>> [t.judge(n).value for n in (0, 1, 10, 11)]
    ['pass', 'warn', 'warn', 'fail']
    """

    fail_over: int | None = 0
    warn_over: int | None = None

    def __post_init__(self) -> None:
        for name, value in (("fail_over", self.fail_over), ("warn_over", self.warn_over)):
            if value is not None and value < 0:
                msg = f"{name} must be >= 0, got {value}"
                raise ValidationError(msg, field=name, value=value, constraint=">= 0")
        if self.fail_over is not None and self.warn_over is not None and self.warn_over >= self.fail_over:
            msg = f"warn_over ({self.warn_over}) must be below fail_over ({self.fail_over})"
            raise ValidationError(msg, field="warn_over", value=self.warn_over, constraint="< fail_over")

    def judge(self, violations: int, /) -> QualityStatus:
        """The status for ``violations`` violations."""
        return grade(violations, fail_over=self.fail_over, warn_over=self.warn_over)

    def as_measure(self) -> dict[str, object]:
        """The tolerance as the ``expected`` part of a result.

        >>> Tolerance().as_measure()
        {'fail_over': 0, 'warn_over': None}
        """
        return {"fail_over": self.fail_over, "warn_over": self.warn_over}


def json_safe(value: object, /) -> JsonScalar:
    """A JSON scalar standing for a row value, for results (instants and dates as ISO text).

    Non-finite floats, decimals and anything else become text (long text is cut to 200
    characters), so a result always survives a JSON round trip unchanged.

    >>> from datetime import UTC
    >>> [json_safe(v) for v in (None, 1, "a", Decimal("1.5"), float("nan"), datetime(2025, 1, 3, tzinfo=UTC))]
    [None, 1, 'a', '1.5', 'nan', '2025-01-03T00:00:00+00:00']
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"
