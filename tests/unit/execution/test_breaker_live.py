"""The shell's live windows against the pure transitions: the same state after every call."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spine.execution.breaker import BreakerState, Closed, Open, initial_state, on_failure, on_success, reset
from spine.execution.breaker_live import LiveCount, LiveTime, LiveWindow, live_window
from spine.execution.breaker_policy import BreakerPolicy, SlidingWindowType
from spine.execution.breaker_window import CountWindow, TimeWindow

sliding_policies = st.builds(
    BreakerPolicy,
    sliding_window_type=st.sampled_from([SlidingWindowType.COUNT_BASED, SlidingWindowType.TIME_BASED]),
    sliding_window_size=st.integers(1, 6),
    minimum_number_of_calls=st.integers(1, 8),
    failure_rate_threshold=st.sampled_from([1.0, 25.0, 50.0, 66.6, 100.0]),
    slow_call_duration_threshold_s=st.sampled_from([None, 1.0]),
    slow_call_rate_threshold=st.sampled_from([34.0, 100.0]),
)
calls = st.lists(
    st.tuples(
        st.sampled_from([0.0, 0.0, 0.0, 0.3, 1.0, 2.5]),  # time since the previous call
        st.booleans(),  # failed
        st.sampled_from([0.0, 0.0, 1.5]),  # duration: slow when the policy has a threshold of 1 s
        st.booleans(),  # look at the live window now (freezing it must not change what follows)
    ),
    max_size=80,
)


def _live(policy: BreakerPolicy, state: BreakerState) -> LiveWindow:
    live = live_window(policy, state)
    assert live is not None
    return live


@settings(max_examples=3 * settings().max_examples)  # cheap; the rare cases need more
@given(sliding_policies, st.floats(0.0, 1e6), calls)
def test_a_live_window_holds_what_the_pure_transitions_would(
    policy: BreakerPolicy, start: float, steps: list[tuple[float, bool, float, bool]]
) -> None:
    model: BreakerState = initial_state(policy)  # the pure way, every call
    live, now = _live(policy, model), start
    for dt, failed, duration, look in steps:
        now += dt
        assert isinstance(model, Closed)
        epoch = model.epoch
        after = (on_failure if failed else on_success)(policy, model, now, duration, epoch=epoch)
        if not failed and live.absorb(epoch, now, duration):
            assert isinstance(after, Closed)  # what is taken in place never trips
            if look:
                assert Closed(live.freeze(), epoch) == after
        else:  # declined, and unchanged: the shell runs the pure transition from it
            assert Closed(live.freeze(), epoch) == model
            live = _live(policy, after if isinstance(after, Closed) else reset(policy, after))
        model = after if isinstance(after, Closed) else reset(policy, after)
    assert isinstance(model, Closed)
    assert Closed(live.freeze(), model.epoch) == model


def test_which_successes_a_count_window_takes_in_place() -> None:
    policy = BreakerPolicy(sliding_window_size=4, minimum_number_of_calls=2, failure_rate_threshold=60.0)
    state: BreakerState = initial_state(policy)
    taken: list[str] = []
    for outcome in "SFSSSSS":
        live = _live(policy, state)
        assert isinstance(state, Closed)
        if outcome == "S" and live.absorb(state.epoch, 0.0, 0.0):
            taken.append("live")
            state = Closed(live.freeze(), state.epoch)
        else:
            taken.append("pure")
            settle = on_failure if outcome == "F" else on_success
            state = settle(policy, state, 0.0, 0.0, epoch=state.epoch)
    # The 2nd call reaches the minimum (judged the pure way); the 6th evicts the failure.
    assert taken == ["live", "pure", "live", "live", "live", "pure", "live"]
    assert state == Closed(CountWindow(size=4, calls=4, head=3), epoch=0)


def test_a_time_window_takes_successes_of_its_head_second_only() -> None:
    policy = BreakerPolicy(sliding_window_type=SlidingWindowType.TIME_BASED, minimum_number_of_calls=50)
    live = LiveTime(policy, TimeWindow(60, calls=3, second=100, head_calls=3), epoch=2)
    assert not live.absorb(2, 101.0, 0.0)  # a new second: buckets move, the pure way
    assert not live.absorb(1, 100.5, 0.0)  # admitted in an earlier state: not counted here
    assert live.absorb(2, 100.9, 0.0)
    assert live.absorb(2, 99.5, 0.0)  # a late clock reading counts in the head second
    assert live.freeze() == TimeWindow(60, calls=5, second=100, head_calls=5)
    assert not LiveTime(policy, TimeWindow(60), epoch=0).absorb(0, 5.0, 0.0)  # no head second yet


@pytest.mark.parametrize("kind", [SlidingWindowType.COUNT_BASED, SlidingWindowType.TIME_BASED])
def test_the_success_that_brings_a_window_to_the_minimum_is_judged_the_pure_way(
    kind: SlidingWindowType,
) -> None:
    policy = BreakerPolicy(sliding_window_type=kind, minimum_number_of_calls=3, failure_rate_threshold=50.0)
    state = on_failure(policy, on_failure(policy, initial_state(policy), 0.0, 0.0), 0.0, 0.0)
    assert isinstance(state, Closed)
    assert not _live(policy, state).absorb(0, 0.5, 0.0)
    assert isinstance(on_success(policy, state, 0.5, 0.0), Open)  # 2 failures in 3 calls


def test_slow_successes_and_stale_ones_are_left_to_the_pure_path() -> None:
    policy = BreakerPolicy(minimum_number_of_calls=1, slow_call_duration_threshold_s=2.0)
    live = LiveCount(policy, CountWindow(3, calls=1, head=1), epoch=4)
    window = live.freeze()
    assert not live.absorb(4, 0.0, 2.0)
    assert not live.absorb(3, 0.0, 0.0)
    assert live.freeze() is window  # nothing changed
    assert live.absorb(4, 0.0, 1.9)
    assert live.freeze() == CountWindow(3, calls=2, head=2)


def test_only_a_closed_state_with_a_sliding_window_has_a_live_window() -> None:
    consecutive = BreakerPolicy(sliding_window_type=SlidingWindowType.CONSECUTIVE)
    assert live_window(consecutive, initial_state(consecutive)) is None
    policy = BreakerPolicy(minimum_number_of_calls=1)
    assert isinstance(live_window(policy, initial_state(policy)), LiveCount)
    opened = on_failure(policy, initial_state(policy), 0.0, 0.0)
    assert isinstance(opened, Open)
    assert live_window(policy, opened) is None
