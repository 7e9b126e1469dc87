"""Timeliness: is the newest row recent enough, as of a ``now`` the caller passes in?

The check stays pure by taking ``now`` as a value: a workflow step reads its clock port
once and builds the check with it. Instants compare as instants, whatever their offsets
(``10:00+05:30`` is ``04:30Z``).

>>> from datetime import UTC, datetime, timedelta, timezone
>>> now = datetime(2025, 1, 3, 12, tzinfo=UTC)
>>> rows = [{"at": datetime(2025, 1, 3, 13, tzinfo=timezone(timedelta(hours=5)))}]   # 08:00Z
>>> result = freshness("at", timedelta(hours=6), now=now, warn_age=timedelta(hours=2))(rows)
>>> result.status.value, result.actual
('warn', {'latest': '2025-01-03T08:00:00+00:00', 'age_s': 14400.0})
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from spine.core.errors import ValidationError
from spine.quality.check import Dataset, QualityCheck, Verdict, grade
from spine.quality.completeness import is_null
from spine.quality.result import QualityStatus

__all__ = ["FreshnessRule", "freshness"]


def _aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


class FreshnessRule(msgspec.Struct, frozen=True, kw_only=True):
    """The newest ``column`` instant is at most ``max_age`` (fail) / ``warn_age`` (warn) old at ``now``.

    Values must be timezone-aware datetimes: a naive one, or anything else, fails the
    check (its instant is unknown), and so does a column with no values at all.
    """

    column: str
    max_age: timedelta
    now: datetime
    warn_age: timedelta | None = None

    def __post_init__(self) -> None:
        if not _aware(self.now):
            msg = "freshness needs a timezone-aware now"
            raise ValidationError(msg, field="now", value=self.now, constraint="timezone-aware datetime")
        if self.max_age < timedelta(0):
            msg = "max_age must not be negative"
            raise ValidationError(msg, field="max_age", value=self.max_age, constraint=">= 0")
        if self.warn_age is not None and not timedelta(0) <= self.warn_age < self.max_age:
            msg = "warn_age must be >= 0 and below max_age"
            raise ValidationError(
                msg, field="warn_age", value=self.warn_age, constraint="0 <= warn_age < max_age"
            )

    def verdict(self, rows: Dataset, /) -> Verdict:
        """Find the newest instant and judge its age."""
        expected: dict[str, object] = {
            "max_age_s": self.max_age.total_seconds(),
            "warn_age_s": None if self.warn_age is None else self.warn_age.total_seconds(),
            "now": self.now.astimezone(UTC).isoformat(),
        }
        present = [value for row in rows if not is_null(value := row.get(self.column))]
        instants = [value for value in present if isinstance(value, datetime) and _aware(value)]
        if len(instants) < len(present):
            bad = len(present) - len(instants)
            message = f"{bad} {self.column!r} value(s) are not timezone-aware datetimes"
            return Verdict(
                status=QualityStatus.FAIL, actual={"invalid": bad}, expected=expected, message=message
            )
        if not instants:
            message = f"no {self.column!r} values to judge freshness by"
            return Verdict(status=QualityStatus.FAIL, actual=None, expected=expected, message=message)
        latest = max(instants)
        age = self.now - latest
        return Verdict(
            status=grade(age, fail_over=self.max_age, warn_over=self.warn_age),
            actual={"latest": latest.astimezone(UTC).isoformat(), "age_s": age.total_seconds()},
            expected=expected,
            message=f"newest {self.column!r} is {age} old (limit {self.max_age})",
        )


def freshness(
    column: str,
    max_age: timedelta,
    *,
    now: datetime,
    warn_age: timedelta | None = None,
    name: str | None = None,
) -> QualityCheck:
    """A check that the newest ``column`` instant is no older than ``max_age`` at ``now``.

    >>> now = datetime(2025, 1, 3, tzinfo=UTC)
    >>> freshness("at", timedelta(hours=1), now=now)([{"at": now - timedelta(hours=2)}]).status.value
    'fail'
    """
    rule = FreshnessRule(column=column, max_age=max_age, now=now, warn_age=warn_age)
    return QualityCheck(name=name or f"freshness({column})", measure=rule.verdict)
