"""Long random runs of ``take`` against naive reference models written out plainly.

Each machine draws a policy, then interleaves clock advances, takes of random size and
"retry when told" steps. After every take it checks the decision against the model (exact
rational arithmetic; a decision within ``TOLERANCE`` of the model's boundary may go either
way, since ``take`` works in floats), and the algorithm's guarantees over the whole history.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from spine.execution.limiter import (
    BucketState,
    Denied,
    Granted,
    SlidingWindow,
    TokenBucket,
    WindowState,
    take,
)

TOLERANCE = Fraction(1, 10**9)
"""How near the model's boundary (in units) a float decision may differ from the exact one."""

paces = st.sampled_from([0.25, 0.5, 1.0, 3.0, 10.0]) | st.floats(0.05, 20.0)
starts = st.sampled_from([0.0, 1000.0]) | st.floats(0.0, 1e4)


class NaiveBucket:
    """The textbook token bucket: a token count and when it was last brought up to date."""

    def __init__(self, capacity: int, rate: float) -> None:
        self.capacity, self.rate = Fraction(capacity), Fraction(rate)
        self.tokens, self.last = self.capacity, Fraction(0)

    def level(self, now: float) -> Fraction:
        return min(self.capacity, self.tokens + (Fraction(now) - self.last) * self.rate)

    def record(self, now: float, n: int) -> None:
        self.tokens, self.last = self.level(now) - n, Fraction(now)


class NaiveWindow:
    """Every grant's (time, units); the weighted two-window count read straight off the list."""

    def __init__(self, limit: int, width: float) -> None:
        self.limit, self.width = limit, width
        self.grants: list[tuple[Fraction, int]] = []

    def index(self, now: float) -> int:
        return math.floor(now / self.width)  # the documented alignment, float division included

    def counts(self, now: float) -> tuple[int, int]:
        """Units granted in the previous and in the current fixed window of ``now``."""
        k = self.index(now)
        previous = sum(n for t, n in self.grants if self.index(float(t)) == k - 1)
        current = sum(n for t, n in self.grants if self.index(float(t)) == k)
        return previous, current

    def used(self, now: float) -> Fraction:
        previous, current = self.counts(now)
        width = Fraction(self.width)
        elapsed = Fraction(now) - self.index(now) * width
        return previous * (1 - elapsed / width) + current

    def in_sliding_window(self, now: float) -> int:
        """Exact units granted in (now - width, now]: what a list-of-timestamps limiter counts."""
        end = Fraction(now)
        return sum(n for t, n in self.grants if end - Fraction(self.width) < t <= end)


def agrees(decision: Granted | Denied, margin: Fraction) -> bool:
    """``margin`` >= 0 means the model grants; near 0 either answer is fine."""
    if abs(margin) <= TOLERANCE:
        event("on the boundary: either answer accepted")
        return True
    return isinstance(decision, Granted) == (margin >= 0)


class BucketMachine(RuleBasedStateMachine):
    """``take`` on a token bucket against ``NaiveBucket``."""

    def __init__(self) -> None:
        super().__init__()
        self.policy = TokenBucket(capacity=1, refill_per_s=1.0)
        self.model = NaiveBucket(1, 1.0)
        self.state: BucketState | None = None
        self.now = 0.0
        self.grants: list[tuple[Fraction, int]] = []
        self.told: tuple[int, float] | None = None  # (units, instant) of the last denial

    @initialize(capacity=st.integers(1, 8), rate=paces, start=starts)
    def choose_policy(self, capacity: int, rate: float, start: float) -> None:
        self.policy = TokenBucket(capacity=capacity, refill_per_s=rate)
        self.model = NaiveBucket(capacity, rate)
        self.model.last = Fraction(start)
        self.now = start

    @rule(dt=st.sampled_from([0.0, 0.125, 1.0]) | st.floats(0.0, 5.0))
    def advance(self, dt: float) -> None:
        self.now += dt

    @rule(data=st.data())
    def take_units(self, data: st.DataObject) -> None:
        self.take(data.draw(st.integers(1, self.policy.capacity), label="n"))

    @rule()
    def retry_when_told(self) -> None:
        if self.told is None:  # a no-op rather than a precondition: filtered draws are slow
            return
        n, ready = self.told
        self.now = max(self.now, ready)
        event("retried when told")
        assert isinstance(self.take(n), Granted), "retry_after_s was too short"

    def take(self, n: int) -> Granted | Denied:
        before = self.state
        self.state, decision = take(self.policy, before, self.now, n)
        assert agrees(decision, self.model.level(self.now) - n), (decision, self.model.level(self.now))
        if isinstance(decision, Granted):
            self.model.record(self.now, n)
            self.grants.append((Fraction(self.now), n))
            self.told = None
            self.check_refill_bound()
        else:
            assert self.state == before
            self.told = (n, self.now + decision.retry_after_s)
        return decision

    def check_refill_bound(self) -> None:
        """Over any interval ending at the latest grant: at most capacity + rate * length."""
        last = self.grants[-1][0]
        total = 0
        for t, n in reversed(self.grants):
            total += n
            assert total <= self.model.capacity + self.model.rate * (last - t) + TOLERANCE

    @invariant()
    def the_model_never_goes_below_empty(self) -> None:
        assert self.model.tokens >= -TOLERANCE


class WindowMachine(RuleBasedStateMachine):
    """``take`` on a sliding window against ``NaiveWindow`` and the exact sliding log."""

    def __init__(self) -> None:
        super().__init__()
        self.policy = SlidingWindow(limit=1, window_s=1.0)
        self.model = NaiveWindow(1, 1.0)
        self.state: WindowState | None = None
        self.now = 0.0
        self.told: tuple[int, float] | None = None

    @initialize(limit=st.integers(1, 8), width=paces, start=starts)
    def choose_policy(self, limit: int, width: float, start: float) -> None:
        self.policy = SlidingWindow(limit=limit, window_s=width)
        self.model = NaiveWindow(limit, width)
        self.now = start

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        width = self.policy.window_s
        self.now += data.draw(
            st.sampled_from([0.0, width / 8, width]) | st.floats(0.0, 2.5 * width), label="dt"
        )

    @rule(data=st.data())
    def take_units(self, data: st.DataObject) -> None:
        self.take(data.draw(st.integers(1, self.policy.limit), label="n"))

    @rule()
    def retry_when_told(self) -> None:
        if self.told is None:  # a no-op rather than a precondition: filtered draws are slow
            return
        n, ready = self.told
        self.now = max(self.now, ready)
        event("retried when told")
        assert isinstance(self.take(n), Granted), "retry_after_s was too short"

    def take(self, n: int) -> Granted | Denied:
        before, limit = self.state, self.policy.limit
        previous, current = self.model.counts(self.now)
        self.state, decision = take(self.policy, before, self.now, n)
        assert agrees(decision, limit - n - self.model.used(self.now)), (decision, self.model.used(self.now))
        # Never stricter than the two fixed windows together.
        if previous + current + n <= limit:
            assert isinstance(decision, Granted)
        if isinstance(decision, Denied):
            assert self.state == before
            self.told = (n, self.now + decision.retry_after_s)
            return decision
        self.told = None
        self.model.grants.append((Fraction(self.now), n))
        # Exact: no fixed window ever holds more than the limit.
        assert current + n <= limit
        # The documented bound on the exact sliding count: limit + previous * elapsed / width.
        elapsed = Fraction(self.now) - self.model.index(self.now) * Fraction(self.policy.window_s)
        bound = limit + previous * max(elapsed, Fraction(0)) / Fraction(self.policy.window_s)
        assert self.model.in_sliding_window(self.now) <= bound + TOLERANCE
        assert self.model.in_sliding_window(self.now) <= 2 * limit
        return decision


TestBucketMachine = BucketMachine.TestCase
TestWindowMachine = WindowMachine.TestCase
