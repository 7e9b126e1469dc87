"""The pure limiter algorithms: examples, edge cases and properties of ``take``.

The long random event sequences against naive reference models are in
``test_limiter_machines.py``.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spine.execution.limiter import (
    BucketState,
    Decision,
    Denied,
    Granted,
    LimitPolicy,
    LimitState,
    SlidingWindow,
    TokenBucket,
    WindowState,
    check_cost,
    idle_at,
    idle_horizon_s,
    take,
)

sizes = st.integers(1, 50)
paces = st.floats(0.01, 1000.0)
buckets = st.builds(TokenBucket, capacity=sizes, refill_per_s=paces)
windows = st.builds(SlidingWindow, limit=sizes, window_s=paces)
policies: st.SearchStrategy[LimitPolicy] = buckets | windows
instants = st.floats(0.0, 1e6)
gaps = st.floats(0.0, 100.0)


def capacity_of(policy: LimitPolicy) -> int:
    return policy.capacity if isinstance(policy, TokenBucket) else policy.limit


@st.composite
def histories(draw: st.DrawFn) -> tuple[LimitPolicy, LimitState | None, float]:
    """A policy, the state after a random run of takes, and the time of the last one."""
    policy = draw(policies)
    now = draw(instants)
    state: LimitState | None = None
    for _ in range(draw(st.integers(0, 12))):
        now += draw(st.sampled_from([0.0, 0.0, 1e-9]) | gaps.map(lambda g: g / 10))
        state, _ = take(policy, state, now, draw(st.integers(1, capacity_of(policy))))
    return policy, state, now


# --- policies and costs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: TokenBucket(capacity=0, refill_per_s=1.0), "capacity"),
        (lambda: TokenBucket(capacity=1, refill_per_s=0.0), "refill_per_s"),
        (lambda: TokenBucket(capacity=1, refill_per_s=math.inf), "refill_per_s"),
        (lambda: SlidingWindow(limit=-1, window_s=1.0), "limit"),
        (lambda: SlidingWindow(limit=1, window_s=math.nan), "window_s"),
    ],
)
def test_policies_refuse_values_that_cannot_limit(build: object, field: str) -> None:
    assert callable(build)
    with pytest.raises(ValueError, match=field):
        build()


@pytest.mark.parametrize(
    "policy", [TokenBucket(capacity=3, refill_per_s=1.0), SlidingWindow(limit=3, window_s=1.0)]
)
def test_a_cost_above_capacity_is_refused_because_it_could_never_be_granted(policy: LimitPolicy) -> None:
    with pytest.raises(ValueError, match="capacity is 3, so it would never be granted"):
        take(policy, None, 0.0, 4)
    with pytest.raises(ValueError, match="at least 1"):
        take(policy, None, 0.0, 0)
    check_cost(policy, 3)  # the whole capacity at once is fine


def test_a_state_of_the_other_algorithm_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="WindowState is not a state of TokenBucket"):
        take(TokenBucket(capacity=1, refill_per_s=1.0), WindowState(0, 0, 0), 0.0)
    with pytest.raises(TypeError, match="BucketState is not a state of SlidingWindow"):
        idle_at(SlidingWindow(limit=1, window_s=1.0), BucketState(0.0))


# --- token bucket -------------------------------------------------------------------------


def test_bucket_bursts_to_capacity_then_refills_continuously() -> None:
    policy = TokenBucket(capacity=3, refill_per_s=2.0)
    state: BucketState | None = None
    decisions: list[Decision] = []
    for _ in range(4):
        state, decision = take(policy, state, 10.0)
        decisions.append(decision)
    assert decisions == [Granted(), Granted(), Granted(), Denied(retry_after_s=0.5)]
    assert state == BucketState(full_at=11.5)
    assert take(policy, state, 10.5)[1] == Granted()
    assert take(policy, state, 10.5, 2)[1] == Denied(retry_after_s=0.5)


def test_bucket_never_holds_more_than_capacity_after_a_long_idle() -> None:
    policy = TokenBucket(capacity=2, refill_per_s=1.0)
    state, _ = take(policy, None, 0.0, 2)
    state, _ = take(policy, state, 1000.0, 2)
    assert take(policy, state, 1000.0)[1] == Denied(retry_after_s=1.0)


# --- sliding window -----------------------------------------------------------------------


def test_window_weights_the_previous_window_by_the_part_still_inside() -> None:
    policy = SlidingWindow(limit=10, window_s=10.0)
    state, _ = take(policy, None, 5.0, 10)  # window 0 full
    assert take(policy, state, 9.0)[1] == Denied(retry_after_s=2.0)  # at 11.0: 10*0.9 + 0 + 1 = 10
    state, decision = take(policy, state, 12.0, 2)  # previous 10 weighted 0.8: room for 2
    assert (state, decision) == (WindowState(index=1, previous=10, current=2), Granted())
    assert take(policy, state, 12.0)[1] == Denied(retry_after_s=1.0)  # at 13.0: 10*0.7 + 2 + 1 = 10
    assert take(policy, state, 35.0, 10)[1] == Granted()  # two windows later everything is gone


def test_window_never_holds_more_than_limit_in_one_fixed_window() -> None:
    policy = SlidingWindow(limit=4, window_s=1.0)
    state, _ = take(policy, None, 0.0, 4)
    # Even with nothing from the previous window, the current one is full until it ends.
    decision = take(policy, state, 0.999)[1]
    assert isinstance(decision, Denied)
    assert decision.retry_after_s == pytest.approx(0.251)


def test_a_clock_gone_back_is_counted_conservatively() -> None:
    policy = SlidingWindow(limit=4, window_s=1.0)
    state, _ = take(policy, None, 5.5, 2)
    earlier, decision = take(policy, state, 3.0, 2)  # an earlier window: counted in window 5
    assert (earlier, decision) == (WindowState(index=5, previous=0, current=4), Granted())
    assert isinstance(take(policy, earlier, 3.0)[1], Denied)
    bucket = TokenBucket(capacity=2, refill_per_s=1.0)
    full, _ = take(bucket, None, 5.0, 2)
    assert take(bucket, full, 4.0)[1] == Denied(retry_after_s=2.0)


# --- properties of both -------------------------------------------------------------------


@given(histories(), gaps, st.data())
def test_retry_after_is_exact(
    history: tuple[LimitPolicy, LimitState | None, float], gap: float, data: st.DataObject
) -> None:
    """A denial's wait is the first instant ``take`` grants: at it, granted; well before, not."""
    policy, state, now = history
    now += gap
    n = data.draw(st.integers(1, capacity_of(policy)))
    _, decision = take(policy, state, now, n)
    if isinstance(decision, Granted):
        return
    wait = decision.retry_after_s
    assert math.isfinite(wait)
    assert wait > 0
    assert take(policy, state, now + wait, n)[1] == Granted()
    # Minimal up to float rounding: a hair earlier is still refused.
    earlier = now + wait - max(abs(now), wait, idle_horizon_s(policy), 1.0) * 1e-9
    assume(earlier > now)
    assert isinstance(take(policy, state, earlier, n)[1], Denied)


@given(histories(), gaps, st.data())
def test_a_denial_changes_nothing(
    history: tuple[LimitPolicy, LimitState | None, float], gap: float, data: st.DataObject
) -> None:
    policy, state, now = history
    n = data.draw(st.integers(1, capacity_of(policy)))
    after, decision = take(policy, state, now + gap, n)
    if isinstance(decision, Denied):
        assert after == state


@given(histories(), st.floats(0.0, 1.0), st.data())
def test_a_state_is_idle_within_one_horizon_and_then_decides_like_a_key_never_seen(
    history: tuple[LimitPolicy, LimitState | None, float], extra: float, data: st.DataObject
) -> None:
    policy, state, now = history
    assume(state is not None)
    assert state is not None
    horizon = idle_horizon_s(policy)
    assert idle_at(policy, state) <= now + horizon * (1 + 1e-9)
    later = max(idle_at(policy, state), now) + extra * horizon
    n = data.draw(st.integers(1, capacity_of(policy)))
    assert take(policy, state, later, n) == take(policy, None, later, n)
