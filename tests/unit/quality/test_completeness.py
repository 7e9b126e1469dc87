"""row_count and null_rate against naive models."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.quality.check import Dataset
from spine.quality.completeness import is_null, null_rate, row_count
from spine.quality.result import QualityStatus
from tests.unit.quality.rows import COLUMNS, rows

bound = st.none() | st.integers(0, 12)


@st.composite
def ordered_bounds(draw: st.DrawFn) -> tuple[int | None, int | None, int | None, int | None]:
    """(min, warn_min, warn_max, max), each optional, non-decreasing where given, one at least."""
    values = sorted(draw(st.lists(st.integers(0, 12), min_size=4, max_size=4)))
    present = draw(st.lists(st.booleans(), min_size=4, max_size=4).filter(any))
    low, warn_low, warn_high, high = (v if keep else None for v, keep in zip(values, present, strict=True))
    return low, warn_low, warn_high, high


@given(ordered_bounds(), st.integers(0, 15))
def test_row_count_matches_the_naive_rule(
    bounds: tuple[int | None, int | None, int | None, int | None], n: int
) -> None:
    low, warn_low, warn_high, high = bounds
    result = row_count(min=low, max=high, warn_min=warn_low, warn_max=warn_high)([{}] * n)
    if (low is not None and n < low) or (high is not None and n > high):
        expected = QualityStatus.FAIL
    elif (warn_low is not None and n < warn_low) or (warn_high is not None and n > warn_high):
        expected = QualityStatus.WARN
    else:
        expected = QualityStatus.PASS
    assert result.status is expected
    assert result.actual == n
    assert result.expected == {"min": low, "max": high, "warn_min": warn_low, "warn_max": warn_high}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "min"),
        ({"min": -1}, "min"),
        ({"min": 5, "max": 4}, "max"),
        ({"min": 5, "warn_min": 4}, "warn_min"),
        ({"warn_max": 9, "max": 8}, "max"),
        ({"warn_min": 6, "warn_max": 5}, "warn_max"),
    ],
)
def test_row_count_refuses_incoherent_bounds(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        row_count(**kwargs)  # type: ignore[arg-type]  # the test passes bounds by name
    assert info.value.field == field


def test_row_count_messages_say_which_bound() -> None:
    check = row_count(min=2, max=4, warn_max=3)
    assert check([{}]).message == "1 rows, fewer than the minimum 2"
    assert check([{}] * 4).status is QualityStatus.WARN
    assert check([{}] * 5).message == "5 rows, more than the maximum 4"


rates = st.floats(0.0, 1.0)


@given(rows(), st.sampled_from(COLUMNS), rates, rates)
def test_null_rate_matches_a_naive_count(
    data: list[dict[str, object]], column: str, a: float, b: float
) -> None:
    warn_rate, max_rate = sorted((a, b))
    warn = warn_rate if warn_rate < max_rate else None
    result = null_rate(column, max_rate=max_rate, warn_rate=warn)(data)
    nulls = 0
    for row in data:
        value = row.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            nulls += 1
    rate = nulls / len(data) if data else 0.0
    assert result.actual == {"rate": rate, "nulls": nulls, "rows": len(data)}
    if rate > max_rate:
        assert result.status is QualityStatus.FAIL
    elif warn is not None and rate > warn:
        assert result.status is QualityStatus.WARN
    else:
        assert result.status is QualityStatus.PASS
    assert result.check == f"null_rate({column})"


def test_null_rate_of_no_rows_is_zero() -> None:
    assert null_rate("a")([]).status is QualityStatus.PASS


def test_missing_columns_and_nan_count_as_null_but_falsy_values_do_not() -> None:
    data: Dataset = [{"a": None}, {}, {"a": float("nan")}, {"a": 0}, {"a": ""}, {"a": False}]
    assert null_rate("a", max_rate=1.0)(data).actual == {"rate": 0.5, "nulls": 3, "rows": 6}
    assert [is_null(v) for v in (0, "", False, ())] == [False] * 4


@pytest.mark.parametrize(
    ("max_rate", "warn_rate", "field"),
    [(1.5, None, "max_rate"), (-0.1, None, "max_rate"), (0.5, 0.5, "warn_rate"), (0.5, -1.0, "warn_rate")],
)
def test_null_rate_refuses_bad_rates(max_rate: float, warn_rate: float | None, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        null_rate("a", max_rate=max_rate, warn_rate=warn_rate)
    assert info.value.field == field
