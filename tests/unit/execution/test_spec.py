"""``WorkSpec``: what it refuses before anything is stored."""

from __future__ import annotations

import math

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.execution.spec import WorkSpec


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"x": math.inf}, "params.x"),
        ({"x": -math.inf}, "params.x"),
        ({"x": math.nan}, "params.x"),
        ({"rows": [{"v": 1.0}, {"v": math.nan}]}, "params.rows[1].v"),
        ({"pair": (1.0, math.inf)}, "params.pair[1]"),
    ],
)
def test_a_number_json_cannot_hold_is_refused_where_it_is(params: dict[str, object], where: str) -> None:
    with pytest.raises(ValidationError) as refused:
        WorkSpec(name="w", params=params)
    assert refused.value.field == where
    assert "not a finite number" in refused.value.message


@given(
    st.recursive(
        st.floats(allow_nan=False, allow_infinity=False) | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=10,
    )
)
def test_finite_params_are_kept_and_round_trip_through_json(value: object) -> None:
    spec = WorkSpec(name="w", params={"x": value})
    assert msgspec.json.decode(msgspec.json.encode(spec), type=WorkSpec) == spec
