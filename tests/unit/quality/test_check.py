"""QualityCheck, Tolerance and json_safe."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.quality.check import Dataset, QualityCheck, Tolerance, Verdict, json_safe
from spine.quality.result import QualityStatus


def _count(rows: Dataset) -> Verdict:
    return Verdict(status=QualityStatus.WARN, actual=len(rows), expected=0, message="counted")


def test_calling_a_check_names_its_verdict() -> None:
    result = QualityCheck(name="count", measure=_count)([{}, {}])
    assert (result.check, result.status, result.actual, result.expected, result.message) == (
        "count",
        QualityStatus.WARN,
        2,
        0,
        "counted",
    )


@pytest.mark.parametrize("name", ["", "x" * 201])
def test_a_check_needs_a_sensible_name(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        QualityCheck(name=name, measure=_count)
    assert info.value.field == "name"


@st.composite
def tolerances(draw: st.DrawFn) -> Tolerance:
    fail = draw(st.none() | st.integers(0, 20))
    if fail == 0:
        return Tolerance(fail_over=0)
    warn = draw(st.none() | st.integers(0, 19 if fail is None else fail - 1))
    return Tolerance(fail_over=fail, warn_over=warn)


@given(tolerances(), st.integers(0, 50))
def test_tolerance_judges_like_the_naive_rule(tolerance: Tolerance, violations: int) -> None:
    fails = tolerance.fail_over is not None and violations > tolerance.fail_over
    warns = tolerance.warn_over is not None and violations > tolerance.warn_over
    expected = QualityStatus.FAIL if fails else QualityStatus.WARN if warns else QualityStatus.PASS
    assert tolerance.judge(violations) is expected


def test_default_tolerance_fails_on_the_first_violation() -> None:
    assert [Tolerance().judge(n) for n in (0, 1)] == [QualityStatus.PASS, QualityStatus.FAIL]
    assert Tolerance(fail_over=None, warn_over=0).judge(99) is QualityStatus.WARN


@pytest.mark.parametrize(
    ("fail_over", "warn_over", "field"),
    [(-1, None, "fail_over"), (None, -1, "warn_over"), (3, 3, "warn_over"), (3, 5, "warn_over")],
)
def test_tolerance_refuses_nonsense(fail_over: int | None, warn_over: int | None, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Tolerance(fail_over=fail_over, warn_over=warn_over)
    assert info.value.field == field


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=300),
        st.decimals(allow_nan=False),
        st.datetimes(timezones=st.just(UTC)),
        st.dates(),
        st.tuples(st.integers()),
    )
)
def test_json_safe_values_survive_a_json_round_trip(value: object) -> None:
    safe = json_safe(value)
    assert safe is None or isinstance(safe, bool | int | float | str)
    assert msgspec.json.decode(msgspec.json.encode(safe)) == safe
    if isinstance(safe, str):
        assert len(safe) <= 201


def test_json_safe_renders_instants_dates_and_specials() -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    assert json_safe(datetime(2025, 1, 3, 10, tzinfo=ist)) == "2025-01-03T10:00:00+05:30"
    assert json_safe(date(2025, 1, 3)) == "2025-01-03"
    assert json_safe(Decimal("0.10")) == "0.10"
    assert json_safe(math.inf) == "inf"
    assert json_safe([1]) == "[1]"
