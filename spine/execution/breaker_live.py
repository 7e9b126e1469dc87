"""The shell's live copy of a sliding window: a plain success recorded in place.

# Theory of operation
# -------------------
# Recording a call the pure way (``breaker.on_success``) builds a new window and a new
# Closed state: two allocations and a chain of Python calls, on every success. So the
# shell keeps, beside a Closed state with a sliding window, a live window: that window
# plus the two counters a plain success moves, changed in place under the shell's lock.
# It belongs to that one state (the shell makes a new one at every transition) and takes
# a success admitted in the state's epoch, not slow, that
#   CountWindow  lands on an empty slot, or evicts a call that was neither failed nor
#                slow: ``calls`` and ``head`` move, no bit and no other total changes;
#   TimeWindow   falls in the head second (or before it: a late clock read), so no
#                bucket moves: ``calls`` and ``head_calls`` grow;
# and that does not bring the window to ``minimum_calls``. Such a success cannot open the
# circuit: it raises no rate, and a Closed window already judged was judged not to trip
# (the transition that would have tripped it left Closed). ``absorb`` returns False for
# every other outcome; the shell then takes ``freeze()`` and runs the pure transition.
# ``breaker_window.record`` stays the definition: after ``absorb``, ``freeze()`` equals
# what ``on_success`` records (tests/unit/execution/test_breaker_live.py checks it).
"""

from __future__ import annotations

import math
from typing import final

from spine.execution.breaker import BreakerState, Closed, minimum_calls
from spine.execution.breaker_policy import BreakerPolicy
from spine.execution.breaker_window import CountWindow, TimeWindow

__all__ = ["LiveCount", "LiveTime", "LiveWindow", "live_window"]


@final
class LiveCount:
    """A ``CountWindow`` whose plain successes move ``calls`` and ``head`` in place.

    Not thread-safe by itself: the shell touches it only while holding its lock.

    >>> live = LiveCount(BreakerPolicy(sliding_window_size=3, minimum_number_of_calls=2), CountWindow(3), 0)
    >>> live.absorb(0, 0.0, 0.0), live.absorb(0, 0.0, 0.0)  # the second call reaches the minimum
    (True, False)
    >>> live.freeze()
    CountWindow(size=3, calls=1, failures=0, slow=0, head=1, failed_bits=0, slow_bits=0)
    """

    __slots__ = ("_calls", "_epoch", "_head", "_marked", "_minimum", "_size", "_slow_s", "_window")

    def __init__(self, policy: BreakerPolicy, window: CountWindow, epoch: int) -> None:
        self._window, self._epoch, self._size = window, epoch, window.size
        self._calls, self._head = window.calls, window.head
        self._marked = window.failed_bits | window.slow_bits  # the slots a success may not evict
        self._minimum = minimum_calls(policy, window)
        self._slow_s = _slow_s(policy)

    def absorb(self, epoch: int, now: float, duration_s: float) -> bool:
        """Record a success admitted in ``epoch`` that took ``duration_s``; False: not done.

        ``now`` is not needed here; it is taken so that both live windows have one signature.
        """
        if epoch != self._epoch or duration_s >= self._slow_s:
            return False
        calls, head = self._calls, self._head
        if calls < self._size:  # an empty slot
            if calls + 1 == self._minimum:
                return False
            self._calls = calls + 1
        elif self._marked >> head & 1:
            return False
        head += 1
        self._head = head if head < self._size else 0
        return True

    def freeze(self) -> CountWindow:
        """The window as a value (the same object while ``absorb`` has not changed it)."""
        window = self._window
        # A full ring gone round exactly once holds the same value: the object is kept.
        if self._calls != window.calls or self._head != window.head:
            window = self._window = CountWindow(
                window.size,
                self._calls,
                window.failures,
                window.slow,
                self._head,
                window.failed_bits,
                window.slow_bits,
            )
        return window


@final
class LiveTime:
    """A ``TimeWindow`` whose plain successes in the head second count up in place.

    Not thread-safe by itself: the shell touches it only while holding its lock.

    >>> live = LiveTime(BreakerPolicy(), TimeWindow(60, second=7), 0)
    >>> live.absorb(0, 7.9, 0.0), live.absorb(0, 8.0, 0.0)  # second 8 would push the head
    (True, False)
    >>> (live.freeze().calls, live.freeze().head_calls)
    (1, 1)
    """

    __slots__ = ("_calls", "_epoch", "_head_calls", "_minimum", "_next_second", "_slow_s", "_window")

    def __init__(self, policy: BreakerPolicy, window: TimeWindow, epoch: int) -> None:
        self._window, self._epoch = window, epoch
        self._calls, self._head_calls = window.calls, window.head_calls
        # From this time on, a call lands in a later second (never in place: buckets move).
        self._next_second = -math.inf if window.second is None else window.second + 1
        self._minimum = minimum_calls(policy, window)
        self._slow_s = _slow_s(policy)

    def absorb(self, epoch: int, now: float, duration_s: float) -> bool:
        """Record a success admitted in ``epoch`` that took ``duration_s``, ending at ``now``.

        False: not done (see the module's theory), and nothing changed.
        """
        if epoch != self._epoch or duration_s >= self._slow_s or now >= self._next_second:
            return False
        calls = self._calls + 1
        if calls == self._minimum:
            return False
        self._calls, self._head_calls = calls, self._head_calls + 1
        return True

    def freeze(self) -> TimeWindow:
        """The window as a value (the same object while ``absorb`` has not changed it)."""
        w = self._window
        if self._calls != w.calls:
            w = self._window = TimeWindow(
                w.size,
                self._calls,
                w.failures,
                w.slow,
                w.second,
                self._head_calls,
                w.head_failures,
                w.head_slow,
                w.oldest,
                w.newest,
            )
        return w


type LiveWindow = LiveCount | LiveTime


def live_window(policy: BreakerPolicy, state: BreakerState) -> LiveWindow | None:
    """The live window of a Closed ``state`` with a sliding window; else None.

    (Consecutive mode needs none: a success allocates nothing on its pure path.)
    """
    if type(state) is not Closed:
        return None
    window = state.window
    if type(window) is CountWindow:
        return LiveCount(policy, window, state.epoch)
    if type(window) is TimeWindow:
        return LiveTime(policy, window, state.epoch)
    return None


def _slow_s(policy: BreakerPolicy) -> float:
    slow_s = policy.slow_call_duration_threshold_s
    return math.inf if slow_s is None else slow_s
