"""Running checks: :func:`run_checks` (pure) and ``QualityRunner``, which also stores results.

A check that raises does not abort the run: it becomes a ``FAIL`` result whose message
names the exception, and the checks after it still run. ``QualityRunner`` writes one row
per result to ``spine_quality_results`` (``actual`` and ``expected`` as JSON), all of a
report in one batch, stamped with one ``recorded_at`` from its clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, final

import msgspec
from returns.result import Failure, Result

from spine.core.clock import Clock
from spine.core.errors import SpineError, ValidationError
from spine.core.ids import IdSource
from spine.quality.check import Dataset, QualityCheck
from spine.quality.result import Measure, QualityReport, QualityResult, QualityStatus
from spine.storage.compiled import SqlValue
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.sql.predicates import Cmp, OrderBy, Where
from spine.storage.sql.query import select
from spine.storage.tables import QUALITY_RESULTS

__all__ = ["QualityRecord", "QualityRunner", "run_checks"]

_MAX_TEXT: Final = 200
_MAX_ID: Final = 26


def run_checks(checks: Iterable[QualityCheck], rows: Dataset, /) -> QualityReport:
    """Run every check over ``rows``, in order; a check that raises is a ``FAIL`` result.

    >>> from spine.quality.check import Verdict
    >>> from spine.quality.completeness import row_count
    >>> def broken(rows: Dataset) -> Verdict:
    ...     raise ZeroDivisionError("division by zero")
    >>> report = run_checks([QualityCheck(name="broken", measure=broken), row_count(min=1)], [{}])
    >>> [(r.check, r.status.value, r.message) for r in report.results]
    [('broken', 'fail', 'check raised ZeroDivisionError: division by zero'), ('row_count', 'pass', '1 rows')]
    """
    results: list[QualityResult] = []
    for check in checks:
        try:
            results.append(check(rows))
        except Exception as exc:  # noqa: BLE001 - a broken check is a failed check, not a crash
            kind = type(exc).__qualname__
            results.append(
                QualityResult(
                    check=check.name,
                    status=QualityStatus.FAIL,
                    actual={"error": kind},
                    message=f"check raised {kind}: {exc}",
                )
            )
    return QualityReport(results=tuple(results))


class QualityRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A stored result: a row of ``spine_quality_results``."""

    result_id: str
    domain: str
    check_name: str
    status: QualityStatus
    recorded_at: datetime
    run_id: str | None = None
    partition_key: str | None = None
    actual: Measure = None
    expected: Measure = None
    message: str | None = None

    def to_result(self) -> QualityResult:
        """The ``QualityResult`` this row stores."""
        return QualityResult(
            check=self.check_name,
            status=self.status,
            actual=self.actual,
            expected=self.expected,
            message=self.message or "",
        )


_FIELDS: Final = tuple(f.name for f in msgspec.structs.fields(QualityRecord))
_ORDER: Final = (OrderBy("recorded_at"), OrderBy("result_id"))


class _Records(BaseRepository[QualityRecord]):
    __slots__ = ()

    def matching(
        self, where: Sequence[Where], params: Mapping[str, SqlValue], limit: int
    ) -> Result[tuple[QualityRecord, ...], SpineError]:
        statement = select(self.table, _FIELDS, where=where, order_by=_ORDER, limit=True)
        return self._many(statement, {**params, "limit": limit})


def _text_error(field: str, value: str | None, limit: int, *, required: bool) -> ValidationError | None:
    if value is None and not required:
        return None
    if value is None or not 0 < len(value) <= limit:
        msg = f"{field} must be 1-{limit} characters, got {value!r}"
        return ValidationError(msg, field=field, value=value, constraint=f"1-{limit} characters")
    return None


@final
class QualityRunner:
    """Run checks, store every result, and read stored results back.

    >>> from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
    >>> from spine.quality.completeness import row_count
    >>> from spine.storage.connect import connect
    >>> from spine.storage.migrations import migrate
    >>> db = Database(connect("sqlite://:memory:").unwrap())
    >>> _ = migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="doc").unwrap()
    >>> runner = QualityRunner(db, ids=SystemIdSource(), clock=SystemClock())
    >>> runner.run([row_count(min=1)], [{"id": 1}], domain="orders").unwrap().status.value
    'pass'
    >>> [r.check_name for r in runner.results(domain="orders").unwrap()]
    ['row_count']
    """

    __slots__ = ("_clock", "_ids", "_records")

    def __init__(self, db: Database, /, *, ids: IdSource, clock: Clock) -> None:
        self._ids, self._clock = ids, clock
        self._records = _Records(db, QUALITY_RESULTS, QualityRecord)

    def run(
        self,
        checks: Iterable[QualityCheck],
        rows: Dataset,
        /,
        *,
        domain: str,
        partition_key: str | None = None,
        run_id: str | None = None,
    ) -> Result[QualityReport, SpineError]:
        """:func:`run_checks`, then :meth:`record` the report; the report when it is stored."""
        report = run_checks(checks, rows)
        stored = self.record(report, domain=domain, partition_key=partition_key, run_id=run_id)
        return stored.map(lambda _: report)

    def record(
        self,
        report: QualityReport,
        /,
        *,
        domain: str,
        partition_key: str | None = None,
        run_id: str | None = None,
    ) -> Result[tuple[QualityRecord, ...], SpineError]:
        """Store one row per result of ``report`` (all or none); the rows stored."""
        for error in (
            _text_error("domain", domain, _MAX_TEXT, required=True),
            _text_error("partition_key", partition_key, _MAX_TEXT, required=False),
            _text_error("run_id", run_id, _MAX_ID, required=False),
            *(_text_error("check", r.check, _MAX_TEXT, required=True) for r in report.results),
        ):
            if error is not None:
                return Failure(error)
        now = self._clock.now()
        records = tuple(
            QualityRecord(
                result_id=self._ids.new_id(),
                domain=domain,
                check_name=result.check,
                status=result.status,
                recorded_at=now,
                run_id=run_id,
                partition_key=partition_key,
                actual=result.actual,
                expected=result.expected,
                message=result.message,
            )
            for result in report.results
        )
        return self._records.insert_many(records).map(lambda _: records)

    def results(
        self,
        *,
        domain: str | None = None,
        run_id: str | None = None,
        status: QualityStatus | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> Result[tuple[QualityRecord, ...], SpineError]:
        """Stored results, oldest first, filtered by domain, run, status and ``recorded_at >= since``."""
        if limit < 1:
            return Failure(
                ValidationError("limit must be >= 1", field="limit", value=limit, constraint=">= 1")
            )
        if since is not None and since.utcoffset() is None:
            msg = "since must be a timezone-aware datetime"
            return Failure(ValidationError(msg, field="since", value=since, constraint="timezone-aware"))
        where: list[Where] = []
        params: dict[str, SqlValue] = {}
        for column, value in (("domain", domain), ("run_id", run_id), ("status", status)):
            if value is not None:
                where.append(column)
                params[column] = value
        if since is not None:
            where.append(Cmp("recorded_at", ">=", param="since"))
            params["since"] = since
        return self._records.matching(where, params, limit)
