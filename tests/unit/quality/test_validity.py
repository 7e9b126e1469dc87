"""unique, value_range and allowed_values against naive models."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.quality.check import Tolerance, json_safe
from spine.quality.result import QualityStatus
from spine.quality.validity import allowed_values, duplicate_keys, unique, value_range
from tests.unit.quality.rows import COLUMNS, rows

hashable_values = st.one_of(st.none(), st.integers(-2, 2), st.sampled_from(["x", "y"]))
key_columns = st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=3, unique=True).map(tuple)


@given(rows(hashable_values), key_columns)
def test_duplicate_keys_are_exactly_the_keys_seen_more_than_once(
    data: list[dict[str, object]], columns: tuple[str, ...]
) -> None:
    seen = Counter(tuple(row.get(c) for c in columns) for row in data)
    assert duplicate_keys(data, columns) == {key: n for key, n in seen.items() if n > 1}


@given(rows(hashable_values), key_columns)
def test_unique_flags_exactly_the_duplicate_keys(
    data: list[dict[str, object]], columns: tuple[str, ...]
) -> None:
    result = unique(*columns)(data)
    keys = [tuple(row.get(c) for c in columns) for row in data]
    repeated = [key for key, n in Counter(keys).items() if n > 1]
    assert isinstance(result.actual, dict)
    assert result.actual["duplicate_keys"] == len(repeated)
    assert result.actual["duplicate_rows"] == len(keys) - len(set(keys))
    shown = [k[0] if len(columns) == 1 else list(k) for k in repeated[:20]]
    assert result.actual["examples"] == shown
    assert result.status is (QualityStatus.FAIL if repeated else QualityStatus.PASS)


def test_unique_over_several_columns_and_with_a_tolerance() -> None:
    data = [{"d": "mon", "id": 1}, {"d": "tue", "id": 1}, {"d": "mon", "id": 1}, {"d": "mon", "id": 2}]
    assert unique("d", "id")(data).actual == {
        "duplicate_keys": 1,
        "duplicate_rows": 1,
        "examples": [["mon", 1]],
    }
    assert unique("id", tolerance=Tolerance(fail_over=5, warn_over=0))(data).status is QualityStatus.WARN
    assert unique("d", "id").name == "unique(d,id)"
    with pytest.raises(ValidationError):
        unique()


numbers = st.one_of(
    st.none(), st.integers(-10, 10), st.floats(-10, 10), st.just(float("nan")), st.just("n/a")
)


@given(rows(numbers), st.sampled_from(COLUMNS), st.none() | st.integers(-5, 0), st.none() | st.integers(0, 5))
def test_value_range_counts_exactly_the_values_outside(
    data: list[dict[str, object]], column: str, lo: int | None, hi: int | None
) -> None:
    if lo is None and hi is None:
        lo = 0
    result = value_range(column, lo, hi)(data)
    present = [
        v
        for row in data
        if (v := row.get(column)) is not None and not (isinstance(v, float) and math.isnan(v))
    ]

    def outside(v: object) -> bool:
        if not isinstance(v, int | float):
            return True  # text cannot be compared with a number
        return (lo is not None and v < lo) or (hi is not None and v > hi)

    bad = [v for v in present if outside(v)]
    assert isinstance(result.actual, dict)
    assert result.actual["violations"] == len(bad)
    assert result.actual["checked"] == len(present)
    assert result.actual["examples"] == [json_safe(v) for v in bad[:20]]
    assert result.status is (QualityStatus.FAIL if bad else QualityStatus.PASS)


def test_value_range_bounds_are_inclusive_and_work_on_instants_and_dates() -> None:
    assert value_range("x", 0, 10)([{"x": 0}, {"x": 10}]).status is QualityStatus.PASS
    start = datetime(2025, 1, 1, tzinfo=UTC)
    pst = timezone(timedelta(hours=-8))
    at = [{"t": datetime(2024, 12, 31, 17, tzinfo=pst)}, {"t": datetime(2024, 12, 31, 15, tzinfo=pst)}]
    result = value_range("t", lo=start)(at)  # 01:00Z is inside; 23:00Z the day before is not
    assert isinstance(result.actual, dict)
    assert result.actual["violations"] == 1
    naive = value_range("t", lo=start)([{"t": datetime(2025, 6, 1)}])
    assert naive.status is QualityStatus.FAIL  # a naive instant cannot be compared: a violation
    days = value_range("d", date(2025, 1, 1), date(2025, 1, 31))([{"d": date(2025, 2, 1)}])
    assert days.expected == {"lo": "2025-01-01", "hi": "2025-01-31", "fail_over": 0, "warn_over": None}
    with pytest.raises(ValidationError):
        value_range("x")


allowed_pool = ["x", "y", "z", 1, 2]


@given(rows(st.one_of(st.none(), st.sampled_from([*allowed_pool, "w", 3]))), st.sampled_from(COLUMNS))
def test_allowed_values_counts_exactly_the_values_not_allowed(
    data: list[dict[str, object]], column: str
) -> None:
    allowed = {"x", "y", 1}
    result = allowed_values(column, allowed)(data)
    present = [v for row in data if (v := row.get(column)) is not None]
    bad = [v for v in present if v not in allowed]
    assert isinstance(result.actual, dict)
    assert result.actual["violations"] == len(bad)
    assert result.actual["unexpected"] == list(dict.fromkeys(bad))
    assert result.status is (QualityStatus.FAIL if bad else QualityStatus.PASS)


def test_allowed_values_treats_unhashable_values_as_not_allowed() -> None:
    result = allowed_values("s", ["a"], tolerance=Tolerance(fail_over=None, warn_over=0))(
        [{"s": ["a"]}, {"s": "a"}]
    )
    assert result.status is QualityStatus.WARN
    assert result.actual == {"violations": 1, "checked": 2, "unexpected": ["['a']"]}
    assert result.expected == {"values": ["a"], "fail_over": None, "warn_over": 0}
