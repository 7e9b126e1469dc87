"""The quality gate as a workflow step: FAIL stops the run, WARN is recorded and the run goes on.

``quality_gate(checks, ...)`` is a ``Task[Dataset, Dataset, QualityGateError | ...]`` that
passes its rows through unchanged when no check fails. With a ``QualityRecorder`` (such as
:class:`~spine.quality.runner.QualityRunner`) every result, WARN and PASS included, is
stored before the gate decides; without one, the results travel in the error (on FAIL)
and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from returns.result import Failure, Result

from spine.core.errors import SpineError
from spine.orchestration.step import Task, step
from spine.quality.check import Dataset, QualityCheck
from spine.quality.gate import QualityGateError, gate
from spine.quality.result import QualityReport
from spine.quality.runner import run_checks

__all__ = ["QualityRecorder", "quality_gate"]


class QualityRecorder(Protocol):
    """Port: stores a report's results (``QualityRunner.record`` fits)."""

    def record(
        self,
        report: QualityReport,
        /,
        *,
        domain: str,
        partition_key: str | None = None,
        run_id: str | None = None,
    ) -> Result[object, SpineError]:
        """Store every result of ``report``."""
        ...


def quality_gate(
    checks: Iterable[QualityCheck],
    /,
    *,
    name: str = "quality_gate",
    recorder: QualityRecorder | None = None,
    domain: str = "default",
    partition_key: Callable[[Dataset], str | None] | None = None,
) -> Task[Dataset, Dataset, QualityGateError | SpineError]:
    """A step that runs ``checks`` on its rows and stops the workflow if one FAILs.

    >>> from spine.orchestration import WorkflowRunner, workflow
    >>> from spine.quality import row_count
    >>> gate_step = quality_gate([row_count(min=2)])
    >>> WorkflowRunner().run(workflow("ingest", gate_step), [{"id": 1}]).result.failure().code
    'quality.gate'
    """
    frozen = tuple(checks)

    def check(rows: Dataset) -> Result[Dataset, QualityGateError | SpineError]:
        report = run_checks(frozen, rows)
        if recorder is not None:
            key = None if partition_key is None else partition_key(rows)
            stored = recorder.record(report, domain=domain, partition_key=key)
            if isinstance(stored, Failure):
                return Failure(stored.failure())
        return gate(report).map(lambda _: rows)

    return step(name=name)(check)
