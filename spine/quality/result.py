"""What quality checks say: a status per check, and the report over a whole run of checks.

``actual`` and ``expected`` are :data:`Measure` values: plain JSON made of dicts, lists and
scalars, as a JSON decoder gives them back. Built-in checks only ever produce that shape,
so a result (and a report) compares equal to itself after a JSON round trip, through
``spine_quality_results`` or inside a ``QualityGateError`` record.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final

import msgspec

from spine.core.json_types import JsonScalar

__all__ = ["Measure", "QualityReport", "QualityResult", "QualityStatus", "worst"]

type Measure = JsonScalar | list[object] | dict[str, object]
"""A plain JSON value: what a check saw (``actual``) or wanted (``expected``).

Nested items are JSON too; containers are ``list`` and ``dict`` so that the value survives
a JSON round trip unchanged (a ``tuple`` would come back as a ``list``)."""


class QualityStatus(StrEnum):
    """How a check came out: ``PASS`` < ``WARN`` < ``FAIL``."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        """0, 1, 2 for PASS, WARN, FAIL: higher is worse.

        >>> QualityStatus.WARN.rank
        1
        """
        return _RANK[self]


_RANK: Final = {QualityStatus.PASS: 0, QualityStatus.WARN: 1, QualityStatus.FAIL: 2}


def worst(statuses: Iterable[QualityStatus], /) -> QualityStatus:
    """The worst of ``statuses`` (``PASS`` when there are none).

    >>> worst([QualityStatus.PASS, QualityStatus.WARN]), worst([])
    (<QualityStatus.WARN: 'warn'>, <QualityStatus.PASS: 'pass'>)
    """
    return max(statuses, key=_RANK.__getitem__, default=QualityStatus.PASS)


class QualityResult(msgspec.Struct, frozen=True, kw_only=True):
    """One check's outcome: its name, status, what it saw, what it wanted, and why.

    >>> r = QualityResult(check="row_count", status=QualityStatus.PASS, actual=3, expected={"min": 1})
    >>> msgspec.json.decode(msgspec.json.encode(r), type=QualityResult) == r
    True
    """

    check: str
    status: QualityStatus
    actual: Measure = None
    expected: Measure = None
    message: str = ""


class QualityReport(msgspec.Struct, frozen=True, kw_only=True):
    """The results of a run of checks, in the order the checks were given.

    >>> ok = QualityResult(check="a", status=QualityStatus.PASS)
    >>> bad = QualityResult(check="b", status=QualityStatus.FAIL, message="3 nulls")
    >>> report = QualityReport(results=(ok, bad))
    >>> report.status, report.passed, [r.check for r in report.failures]
    (<QualityStatus.FAIL: 'fail'>, False, ['b'])
    """

    results: tuple[QualityResult, ...] = ()

    @property
    def status(self) -> QualityStatus:
        """The worst status of any result (``PASS`` for an empty report)."""
        return worst([r.status for r in self.results])

    @property
    def passed(self) -> bool:
        """Whether no check failed (warnings allowed)."""
        return all(r.status is not QualityStatus.FAIL for r in self.results)

    @property
    def failures(self) -> tuple[QualityResult, ...]:
        """The ``FAIL`` results, in order."""
        return tuple(r for r in self.results if r.status is QualityStatus.FAIL)

    @property
    def warnings(self) -> tuple[QualityResult, ...]:
        """The ``WARN`` results, in order."""
        return tuple(r for r in self.results if r.status is QualityStatus.WARN)

    def counts(self) -> dict[QualityStatus, int]:
        """How many results have each status (every status present, zeros included).

        >>> QualityReport(results=(QualityResult(check="a", status=QualityStatus.WARN),)).counts()
        {<QualityStatus.PASS: 'pass'>: 0, <QualityStatus.WARN: 'warn'>: 1, <QualityStatus.FAIL: 'fail'>: 0}
        """
        counts = dict.fromkeys(QualityStatus, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    def summary(self) -> str:
        """One line for logs and error messages.

        >>> QualityReport(results=(QualityResult(check="a", status=QualityStatus.FAIL),)).summary()
        '1 check: 0 passed, 0 warned, 1 failed (a)'
        """
        counts = self.counts()
        total = len(self.results)
        text = (
            f"{total} check{'' if total == 1 else 's'}: {counts[QualityStatus.PASS]} passed, "
            f"{counts[QualityStatus.WARN]} warned, {counts[QualityStatus.FAIL]} failed"
        )
        failed = [r.check for r in self.failures]
        return f"{text} ({', '.join(failed)})" if failed else text
