"""run_checks: every check runs, in order; a check that raises is a FAIL, never an abort."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import NotFoundError
from spine.quality.check import Dataset, QualityCheck, Verdict
from spine.quality.completeness import null_rate, row_count
from spine.quality.result import QualityStatus
from spine.quality.runner import run_checks


def _raises_value_error(rows: Dataset) -> Verdict:
    msg = f"bad rows: {len(rows)}"
    raise ValueError(msg)


def _raises_spine_error(rows: Dataset) -> Verdict:
    msg = "no reference data"
    raise NotFoundError(msg, resource="ref")


def _returns_garbage(rows: Dataset) -> Verdict:
    return "not a verdict"  # type: ignore[return-value]  # a buggy check, on purpose


def test_a_check_that_raises_becomes_a_fail_and_the_run_goes_on() -> None:
    checks = [
        QualityCheck(name="boom", measure=_raises_value_error),
        row_count(min=1),
        QualityCheck(name="missing", measure=_raises_spine_error),
        QualityCheck(name="garbage", measure=_returns_garbage),
        null_rate("a", max_rate=1.0),
    ]
    report = run_checks(checks, [{"a": 1}])
    assert [r.check for r in report.results] == ["boom", "row_count", "missing", "garbage", "null_rate(a)"]
    boom, counted, missing, garbage, nulls = report.results
    assert boom.status is QualityStatus.FAIL
    assert boom.message == "check raised ValueError: bad rows: 1"
    assert boom.actual == {"error": "ValueError"}
    assert missing.message == "check raised NotFoundError: no reference data"
    assert garbage.status is QualityStatus.FAIL
    assert garbage.actual == {"error": "AttributeError"}
    assert counted.status is nulls.status is QualityStatus.PASS
    assert report.status is QualityStatus.FAIL


@given(st.lists(st.booleans(), max_size=8))
def test_one_result_per_check_in_order(raising: list[bool]) -> None:
    checks = [
        QualityCheck(name=f"c{i}", measure=_raises_value_error) if r else row_count(min=0, name=f"c{i}")
        for i, r in enumerate(raising)
    ]
    report = run_checks(checks, [])
    assert [r.check for r in report.results] == [f"c{i}" for i in range(len(raising))]
    assert [r.status is QualityStatus.FAIL for r in report.results] == raising


def test_no_checks_is_an_empty_passing_report() -> None:
    report = run_checks([], [{"a": 1}])
    assert report.results == ()
    assert report.passed
