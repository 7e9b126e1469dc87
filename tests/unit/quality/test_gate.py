"""The gate: FAIL stops with a typed, non-retryable error carrying the report; WARN goes on."""

from __future__ import annotations

import pickle

import msgspec
from hypothesis import given
from returns.result import Success

from spine.core.errors import ErrorCategory, ErrorRecord, SpineError, from_record, to_record
from spine.quality.gate import QualityGateError, gate
from spine.quality.result import QualityReport, QualityResult, QualityStatus
from tests.unit.quality.rows import reports


def _report(*statuses: QualityStatus) -> QualityReport:
    return QualityReport(
        results=tuple(
            QualityResult(check=f"c{i}", status=s, actual={"n": [i]}, expected=None, message=f"m{i}")
            for i, s in enumerate(statuses)
        )
    )


def test_warnings_pass_the_gate_with_the_report() -> None:
    report = _report(QualityStatus.PASS, QualityStatus.WARN)
    outcome = gate(report)
    assert isinstance(outcome, Success)
    assert outcome.unwrap() is report


def test_a_failure_stops_with_the_report() -> None:
    report = _report(QualityStatus.WARN, QualityStatus.FAIL, QualityStatus.FAIL)
    error = gate(report).failure()
    assert isinstance(error, QualityGateError)
    assert isinstance(error, SpineError)
    assert error.report == report
    assert [r.check for r in error.failures] == ["c1", "c2"]
    assert error.retryable is False
    assert error.category is ErrorCategory.VALIDATION
    assert error.code == "quality.gate"
    assert error.message == "quality gate failed: 3 checks: 0 passed, 1 warned, 2 failed (c1, c2)"


@given(reports)
def test_the_gate_error_survives_record_json_and_pickle_round_trips(report: QualityReport) -> None:
    outcome = gate(report)
    if report.passed:
        assert outcome.unwrap() is report
        return
    error = outcome.failure().with_context(step="check_orders")
    record = to_record(error)
    assert record.code == "quality.gate"
    wire = msgspec.json.decode(msgspec.json.encode(record), type=ErrorRecord)
    restored = from_record(wire)
    assert isinstance(restored, QualityGateError)
    assert restored == error
    assert restored.report == report
    assert restored.context["step"] == "check_orders"
    assert pickle.loads(pickle.dumps(error)).report == report


def test_the_gate_error_can_be_built_directly_and_chained() -> None:
    report = _report(QualityStatus.FAIL)
    cause = ValueError("upstream")
    error = QualityGateError("orders rejected", report=report, retryable=True, cause=cause)
    restored = from_record(to_record(error))
    assert isinstance(restored, QualityGateError)
    assert restored.retryable is True
    assert restored.report == report
    assert restored.cause is not None
