"""The quality gate: a report with a ``FAIL`` stops a workflow; warnings let it through.

:func:`gate` is the pure decision a workflow step wraps: ``Ok(report)`` when no check
failed (``WARN`` results are kept in the report, to be recorded), else
``Err(QualityGateError)`` carrying the whole report. The error is not retryable (the
same data fails the same checks), and survives ``to_record``/``from_record`` (the ledger,
checkpoints and dead letters store errors as records) with its report intact.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Unpack, cast

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ErrorCategory, ErrorOptions, SpineError, to_record
from spine.core.json_types import JsonValue
from spine.quality.result import QualityReport, QualityResult

__all__ = ["QualityGateError", "gate"]


class QualityGateError(SpineError):
    """A quality gate refused the data: at least one check failed.

    >>> from spine.core.errors import from_record, to_record
    >>> from spine.quality.result import QualityStatus
    >>> bad = QualityResult(check="unique(id)", status=QualityStatus.FAIL, actual={"duplicate_keys": 2})
    >>> e = QualityGateError.of(QualityReport(results=(bad,)))
    >>> e.message, e.retryable
    ('quality gate failed: 1 check: 0 passed, 0 warned, 1 failed (unique(id))', False)
    >>> restored = from_record(to_record(e))
    >>> restored == e, restored.report == e.report, type(restored).__name__
    (True, True, 'QualityGateError')
    """

    code = "quality.gate"
    category = ErrorCategory.VALIDATION
    default_retryable = False

    def __init__(self, message: str, /, *, report: QualityReport, **options: Unpack[ErrorOptions]) -> None:
        super().__init__(message, **options)
        # Stored as errors.py stores every class's details (plain JSON), so a record keeps it.
        document = cast("JsonValue", msgspec.to_builtins(report))
        self._details = MappingProxyType({"report": document})

    @classmethod
    def of(cls, report: QualityReport, /, **options: Unpack[ErrorOptions]) -> QualityGateError:
        """The error for ``report``, with a message summarising it."""
        return cls(f"quality gate failed: {report.summary()}", report=report, **options)

    @property
    def report(self) -> QualityReport:
        """The report that failed the gate (rebuilt from the stored details)."""
        document = to_record(self).details.get("report", {})
        return msgspec.convert(document, QualityReport)

    @property
    def failures(self) -> tuple[QualityResult, ...]:
        """The failed results."""
        return self.report.failures


def gate(report: QualityReport, /) -> Result[QualityReport, QualityGateError]:
    """``Ok(report)`` unless a check failed; then ``Err(QualityGateError)`` with the report.

    >>> from spine.quality.result import QualityStatus
    >>> warned = QualityReport(results=(QualityResult(check="a", status=QualityStatus.WARN),))
    >>> gate(warned).unwrap() is warned
    True
    >>> failed = QualityReport(results=(QualityResult(check="b", status=QualityStatus.FAIL),))
    >>> [r.check for r in gate(failed).failure().failures]
    ['b']
    """
    if report.passed:
        return Success(report)
    return Failure(QualityGateError.of(report))
