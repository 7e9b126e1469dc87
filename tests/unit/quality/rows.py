"""Hypothesis strategies for quality checks: small datasets with nulls, gaps and repeats."""

from __future__ import annotations

from hypothesis import strategies as st

from spine.quality.result import Measure, QualityReport, QualityResult, QualityStatus

COLUMNS = ("a", "b", "c")

# Few distinct values, so repeats (and duplicate keys) are common.
cell_values = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.sampled_from(["x", "y", "z"]),
    st.just(float("nan")),
    st.floats(-5, 5, allow_nan=False),
)


def rows(
    values: st.SearchStrategy[object] = cell_values, max_size: int = 30
) -> st.SearchStrategy[list[dict[str, object]]]:
    """Lists of rows over ``COLUMNS``; a column may be missing from a row."""
    row = st.dictionaries(st.sampled_from(COLUMNS), values, max_size=len(COLUMNS))
    return st.lists(row, max_size=max_size)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
measures: st.SearchStrategy[Measure] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
statuses = st.sampled_from(list(QualityStatus))
results = st.builds(
    QualityResult,
    check=st.text(min_size=1, max_size=20),
    status=statuses,
    actual=measures,
    expected=measures,
    message=st.text(max_size=30),
)
reports = st.builds(QualityReport, results=st.lists(results, max_size=6).map(tuple))
