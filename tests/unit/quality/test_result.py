"""Results and reports: the worst status wins, counts add up, JSON round trips are exact."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from spine.quality.result import QualityReport, QualityResult, QualityStatus, worst
from tests.unit.quality.rows import reports, statuses


def test_statuses_are_ordered_pass_warn_fail() -> None:
    assert [s.rank for s in (QualityStatus.PASS, QualityStatus.WARN, QualityStatus.FAIL)] == [0, 1, 2]
    assert worst([]) is QualityStatus.PASS


@given(st.lists(statuses))
def test_worst_is_the_highest_rank(drawn: list[QualityStatus]) -> None:
    expected = QualityStatus.PASS
    for status in drawn:
        if status.rank > expected.rank:
            expected = status
    assert worst(drawn) is expected
    assert worst(iter(drawn)) is expected


@given(reports)
def test_a_report_summarises_its_results(report: QualityReport) -> None:
    counts = report.counts()
    assert sum(counts.values()) == len(report.results)
    assert report.status is worst([r.status for r in report.results])
    assert report.passed is (counts[QualityStatus.FAIL] == 0)
    assert len(report.failures) == counts[QualityStatus.FAIL]
    assert len(report.warnings) == counts[QualityStatus.WARN]
    assert all(r.status is QualityStatus.FAIL for r in report.failures)
    for failed in report.failures:
        assert failed.check in report.summary()


@given(reports)
def test_a_report_survives_a_json_round_trip(report: QualityReport) -> None:
    assert msgspec.json.decode(msgspec.json.encode(report), type=QualityReport) == report
    assert msgspec.convert(msgspec.to_builtins(report), QualityReport) == report


def test_summary_wording() -> None:
    ok = QualityResult(check="a", status=QualityStatus.PASS)
    warn = QualityResult(check="b", status=QualityStatus.WARN)
    assert QualityReport(results=(ok, warn)).summary() == "2 checks: 1 passed, 1 warned, 0 failed"
    assert QualityReport().summary() == "0 checks: 0 passed, 0 warned, 0 failed"
    assert QualityReport().passed
