"""The in-process ``RateLimiter``: keyed state, blocking without deadlock, sweeping, decorating."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from returns.result import Failure, Result, Success

from spine.core.errors import NotFoundError, RateLimitedError, SpineError
from spine.core.system import SystemClock, SystemSleeper
from spine.execution.limiter import (
    Granted,
    LimitPolicy,
    LimitState,
    SlidingWindow,
    TokenBucket,
    idle_at,
    idle_horizon_s,
    take,
)
from spine.execution.limiter_shell import Limiter, RateLimiter, acquire_blocking, limited
from spine.testing import FakeClock, FakeSleeper

BUCKET = TokenBucket(capacity=2, refill_per_s=4.0)


def fake_limiter(policy: LimitPolicy = BUCKET) -> tuple[RateLimiter, FakeClock, FakeSleeper]:
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    return RateLimiter(policy, clock=clock, sleeper=sleeper), clock, sleeper


def test_try_acquire_grants_then_says_when_to_come_back() -> None:
    limiter, _, _ = fake_limiter()
    assert limiter.try_acquire("api") == Success(None)
    assert limiter.try_acquire("api") == Success(None)
    denied = limiter.try_acquire("api")
    assert isinstance(denied, Failure)
    error = denied.failure()
    assert isinstance(error, RateLimitedError)
    assert error.retryable
    assert error.retry_after_s == 0.25
    assert dict(error.context) == {"key": "api", "units": 1}


def test_keys_are_limited_independently() -> None:
    limiter, _, _ = fake_limiter()
    assert limiter.try_acquire("a", 2) == Success(None)
    assert limiter.try_acquire("b", 2) == Success(None)
    assert isinstance(limiter.try_acquire("a"), Failure)
    assert limiter.tracked_keys == 2


def test_a_request_above_capacity_is_a_value_error_not_a_wait() -> None:
    limiter, _, sleeper = fake_limiter()
    with pytest.raises(ValueError, match="never be granted"):
        limiter.acquire("api", 3)
    assert sleeper.sleeps == []


# --- blocking ------------------------------------------------------------------------------


def test_acquire_sleeps_exactly_the_computed_wait() -> None:
    limiter, clock, sleeper = fake_limiter(SlidingWindow(limit=3, window_s=10.0))
    for _ in range(3):
        assert limiter.try_acquire("api") == Success(None)
    wait = limiter.try_acquire("api").failure().retry_after_s
    assert wait is not None
    assert limiter.acquire("api", timeout_s=None) == Success(None)
    assert sleeper.sleeps == [wait]
    assert clock.monotonic() == wait


def test_acquire_gives_up_at_once_when_the_wait_ends_past_the_timeout() -> None:
    limiter, clock, sleeper = fake_limiter()
    limiter.try_acquire("api", 2)
    outcome = limiter.acquire("api", 2, timeout_s=0.49)
    error = outcome.failure()
    assert isinstance(error, RateLimitedError)
    assert error.retry_after_s == 0.5
    assert error.context["timeout_s"] == 0.49
    assert "not granted within 0.49 s" in error.message
    assert (sleeper.sleeps, clock.monotonic()) == ([], 0.0)
    assert limiter.acquire("api", 2, timeout_s=0.5) == Success(None)
    assert sleeper.sleeps == [0.5]


def test_acquire_checks_again_after_waking_and_waits_again_if_beaten() -> None:
    clock = FakeClock()
    limiter: RateLimiter | None = None

    class Rival:
        """Sleeps like FakeSleeper, but another caller takes the units while we sleep."""

        def __init__(self) -> None:
            self.sleeps: list[float] = []

        def sleep(self, seconds: float, /) -> None:
            assert limiter is not None
            self.sleeps.append(seconds)
            clock.advance(seconds)
            if len(self.sleeps) == 1:
                assert limiter.try_acquire("api") == Success(None)

    rival = Rival()
    limiter = RateLimiter(TokenBucket(capacity=1, refill_per_s=1.0), clock=clock, sleeper=rival)
    limiter.try_acquire("api")
    assert limiter.acquire("api", timeout_s=5.0) == Success(None)
    assert rival.sleeps == [1.0, 1.0]


def test_the_lock_is_never_held_while_sleeping() -> None:
    """The original deadlock: acquire slept holding the lock every other caller needs."""
    clock = FakeClock()
    seen: list[bool] = []

    class Watcher:
        limiter: RateLimiter | None = None

        def sleep(self, seconds: float, /) -> None:
            limiter = self.limiter
            assert limiter is not None
            other = threading.Thread(
                target=lambda: seen.append(isinstance(limiter.try_acquire("o"), Success))
            )
            other.start()
            other.join(timeout=2.0)
            assert not other.is_alive(), "another thread could not get in while we slept"
            clock.advance(seconds)

    watcher = Watcher()
    limiter = watcher.limiter = RateLimiter(BUCKET, clock=clock, sleeper=watcher)
    limiter.try_acquire("api", 2)
    assert limiter.acquire("api") == Success(None)
    assert seen == [True]


def test_many_real_threads_share_a_limit_without_deadlock() -> None:
    """Real threads, real short sleeps: all finish, and no faster than the refill allows."""
    policy = TokenBucket(capacity=4, refill_per_s=400.0)
    limiter = RateLimiter(policy, clock=SystemClock(), sleeper=SystemSleeper())
    threads, per_thread = 12, 5
    outcomes: list[Result[None, RateLimitedError]] = []
    guard = threading.Lock()

    def work() -> None:
        for _ in range(per_thread):
            outcome = limiter.acquire("shared", timeout_s=5.0)
            with guard:
                outcomes.append(outcome)

    started = time.monotonic()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10.0)
    elapsed = time.monotonic() - started
    assert not any(worker.is_alive() for worker in workers), "deadlock"
    assert outcomes == [Success(None)] * (threads * per_thread)
    # 60 units from a bucket of 4 refilled at 400/s cannot take less than 56/400 s.
    assert elapsed >= (threads * per_thread - policy.capacity) / policy.refill_per_s


def test_acquire_blocking_returns_other_errors_at_once() -> None:
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    outage: Result[None, SpineError] = Failure(NotFoundError("gone"))
    assert acquire_blocking(lambda: outage, clock=clock, sleeper=sleeper, timeout_s=None) == outage
    with pytest.raises(ValueError, match="timeout_s"):
        acquire_blocking(lambda: outage, clock=clock, sleeper=sleeper, timeout_s=-1.0)
    assert sleeper.sleeps == []


# --- decorating ------------------------------------------------------------------------------


def test_limited_runs_the_function_only_when_granted() -> None:
    limiter, _, sleeper = fake_limiter(TokenBucket(capacity=1, refill_per_s=1.0))
    calls: list[str] = []

    def per_user(user: str, amount: int) -> str:  # the key sees the call's arguments
        return f"user:{user}"

    @limited(limiter, per_user)
    def charge(user: str, amount: int) -> Result[int, NotFoundError]:
        calls.append(user)
        return Success(amount)

    assert charge("ann", 5) == Success(5)
    assert charge("bob", 7) == Success(7)
    refused = charge("ann", 1)
    assert isinstance(refused.failure(), RateLimitedError)
    assert calls == ["ann", "bob"]
    assert sleeper.sleeps == []

    patient = limited(limiter, "batch", timeout_s=2.0)(charge)
    assert patient("cy", 1) == Success(1)
    assert patient("cy", 2) == Success(2)
    assert sleeper.sleeps == [1.0]


def test_both_limiters_satisfy_the_port() -> None:
    limiter, _, _ = fake_limiter()
    port: Limiter[RateLimitedError] = limiter
    assert port.try_acquire("k") == Success(None)


# --- memory: a state machine over many keys ---------------------------------------------------


class KeyedMachine(RuleBasedStateMachine):
    """Sweeping idle keys never changes a decision, and memory stays within two horizons."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.policy: LimitPolicy = BUCKET
        self.limiter = RateLimiter(BUCKET, clock=self.clock, sleeper=FakeSleeper(self.clock))
        self.model: dict[str, LimitState] = {}
        self.last_used: dict[str, float] = {}

    @initialize(
        policy=st.builds(TokenBucket, capacity=st.integers(1, 4), refill_per_s=st.sampled_from([1.0, 4.0]))
        | st.builds(SlidingWindow, limit=st.integers(1, 4), window_s=st.sampled_from([0.5, 2.0]))
    )
    def choose_policy(self, policy: LimitPolicy) -> None:
        self.policy = policy
        self.limiter = RateLimiter(policy, clock=self.clock, sleeper=FakeSleeper(self.clock))

    @rule(key=st.sampled_from(["a", "b", "c", "d", "e"]), data=st.data())
    def take_units(self, key: str, data: st.DataObject) -> None:
        capacity = self.policy.capacity if isinstance(self.policy, TokenBucket) else self.policy.limit
        n = data.draw(st.integers(1, capacity), label="n")
        now = self.clock.monotonic()
        self.model[key], expected = take(self.policy, self.model.get(key), now, n)
        outcome = self.limiter.try_acquire(key, n)
        if isinstance(expected, Granted):
            assert outcome == Success(None)
        else:
            assert outcome.failure().retry_after_s == expected.retry_after_s
        self.last_used[key] = now
        horizon = idle_horizon_s(self.policy)
        recent = {k for k, t in self.last_used.items() if t >= now - 2 * horizon - 1e-9}
        assert self.limiter.tracked_keys <= len(recent)

    @rule(dt=st.sampled_from([0.0, 0.25, 1.0, 5.0]))
    def advance(self, dt: float) -> None:
        self.clock.advance(dt)
        now = self.clock.monotonic()
        # A key the model still needs (not idle) must still be held by the limiter.
        busy = {k for k, s in self.model.items() if idle_at(self.policy, s) > now}
        assert busy <= set(self.limiter._states)


TestKeyedMachine = KeyedMachine.TestCase
