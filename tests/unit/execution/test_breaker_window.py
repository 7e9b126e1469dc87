"""The breaker's windows against a list of every call, after every recorded call."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from spine.execution.breaker_window import Consecutive, CountWindow, Link, TimeWindow, Window, record

events = st.lists(
    st.tuples(st.sampled_from([0.0, 0.0, 0.4, 1.0, 1.0, 2.0, 3.5, 7.0]), st.booleans(), st.booleans()),
    max_size=60,
)


def _links(cell: Link | None) -> int:
    count = 0
    while cell is not None:
        count, cell = count + 1, cell.rest
    return count


def _totals(calls: list[tuple[float, bool, bool]]) -> tuple[int, int, int]:
    return len(calls), sum(c[1] for c in calls), sum(c[2] for c in calls)


@given(st.integers(1, 7), events)
def test_a_count_window_holds_exactly_the_last_size_calls(
    size: int, steps: list[tuple[float, bool, bool]]
) -> None:
    window: Window = CountWindow(size)
    calls: list[tuple[float, bool, bool]] = []
    for _, failed, slow in steps:
        window = record(window, 0.0, failed=failed, slow=slow)
        calls.append((0.0, failed, slow))
        assert isinstance(window, CountWindow)
        assert (window.calls, window.failures, window.slow) == _totals(calls[-size:])
        assert window.failed_bits.bit_length() <= size
        assert window.slow_bits.bit_length() <= size


@given(st.integers(1, 5), st.floats(0.0, 1e6), events)
def test_a_time_window_holds_exactly_the_calls_of_the_last_size_seconds(
    size: int, start: float, steps: list[tuple[float, bool, bool]]
) -> None:
    window: Window = TimeWindow(size)
    calls: list[tuple[float, bool, bool]] = []
    now = start
    for dt, failed, slow in steps:
        now += dt
        window = record(window, now, failed=failed, slow=slow)
        calls.append((now, failed, slow))
        live = [c for c in calls if math.floor(c[0]) > math.floor(now) - size]
        assert isinstance(window, TimeWindow)
        assert (window.calls, window.failures, window.slow) == _totals(live)
        assert _links(window.oldest) + _links(window.newest) <= size - 1  # only live buckets wait


def test_a_late_clock_reading_counts_in_the_current_second() -> None:
    window = record(TimeWindow(3), 10.5, failed=True, slow=False)
    window = record(window, 9.9, failed=True, slow=False)  # read before, committed after
    assert isinstance(window, TimeWindow)
    assert (window.second, window.head_calls, window.failures) == (10, 2, 2)


@given(st.lists(st.booleans(), max_size=40))
def test_consecutive_counts_the_failures_since_the_last_success(outcomes: list[bool]) -> None:
    window: Window = Consecutive()
    for failed in outcomes:
        window = record(window, 0.0, failed=failed, slow=False)
    run = len(outcomes) - (max(i for i, f in enumerate(outcomes) if not f) + 1 if False in outcomes else 0)
    assert window == Consecutive(run)
