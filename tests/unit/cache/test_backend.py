"""The pure part of the cache port: ``Hit``/``Miss`` and the TTL rule."""

from __future__ import annotations

import math

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from spine.cache import Hit, Lookup, Miss, check_ttl
from spine.core.errors import ValidationError

ints = st.integers(min_value=-(2**63), max_value=2**64 - 1)
values = st.none() | ints | st.text() | st.lists(ints)


@given(st.floats(allow_nan=True, allow_infinity=True) | st.none())
def test_a_ttl_is_none_or_finite_and_positive(ttl_s: float | None) -> None:
    checked = check_ttl(ttl_s)
    if ttl_s is None or (math.isfinite(ttl_s) and ttl_s > 0):
        assert checked == Success(ttl_s)
    else:
        error = checked.failure()
        assert isinstance(error, ValidationError)
        assert error.field == "ttl_s"
        assert not error.retryable


@given(st.integers(min_value=-(10**6), max_value=0))
def test_zero_and_negative_integer_ttls_are_refused(ttl_s: int) -> None:
    assert isinstance(check_ttl(ttl_s).failure(), ValidationError)


@given(values, values)
def test_a_hit_always_holds_its_value_and_is_never_a_miss(value: object, default: object) -> None:
    found: Lookup[object] = Hit(value)
    assert found.value_or(default) == value
    assert found != Miss()
    assert Miss().value_or(default) == default


@given(values)
def test_lookups_round_trip_through_msgspec(value: int | str | list[int] | None) -> None:
    for lookup in (Hit(value), Miss()):
        encoded = msgspec.msgpack.encode(lookup)
        assert msgspec.msgpack.decode(encoded, type=type(lookup)) == lookup


def test_hit_and_miss_are_frozen() -> None:
    hit = Hit(1)
    with pytest.raises(AttributeError):
        hit.value = 2  # type: ignore[misc]  # the point: frozen Structs refuse assignment
    assert hit == Hit(1)
