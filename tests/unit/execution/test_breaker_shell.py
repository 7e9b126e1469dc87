"""The circuit breaker shell: results, listeners, interrupts, a fake clock, and threads."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from typing import assert_type

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from returns.result import Failure, Result, Success

from spine.core.errors import InternalError, NetworkError, NotFoundError, SpineError
from spine.execution.breaker import BreakerState, CircuitOpenError, Closed, HalfOpen, Open, initial_state
from spine.execution.breaker_policy import BreakerPolicy, ErrorMatch, SlidingWindowType
from spine.execution.breaker_shell import CircuitBreaker
from spine.execution.breaker_window import Consecutive, CountWindow, TimeWindow
from spine.testing import FakeClock
from tests.unit.execution.test_breaker import KINDS, NaiveBreaker, breaker_policies

ONE_FAILURE_OPENS = BreakerPolicy(
    sliding_window_type=SlidingWindowType.CONSECUTIVE,
    consecutive_failure_threshold=1,
    wait_duration_in_open_state_s=10.0,
    permitted_number_of_calls_in_half_open_state=1,
)
BROKEN = "listener bug"
WAIT = 5.0  # how long a thread waits for another before the test fails (never reached)


def _fail() -> Result[int, SpineError]:
    return Failure(NetworkError("down"))


def _outcome(fail: bool) -> Result[int, SpineError]:
    return _fail() if fail else Success(1)


def _open(clock: FakeClock, policy: BreakerPolicy = ONE_FAILURE_OPENS) -> CircuitBreaker:
    breaker = CircuitBreaker(policy, name="db", clock=clock)
    breaker.call(_fail)
    assert isinstance(breaker.state, Open)
    return breaker


# --- results ---------------------------------------------------------------------------


def test_results_pass_through_and_exceptions_become_errs() -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    ok = Success(1)
    assert breaker.call(lambda: ok) is ok
    assert breaker.call(lambda: 2) == Success(2)
    assert breaker.call(_fail).failure() == NetworkError("down")

    def broken() -> int:
        raise KeyError(1)

    error = breaker.call(broken).failure()
    assert isinstance(error, InternalError)
    assert isinstance(error.__cause__, KeyError)


def test_a_rejected_call_is_not_made_and_says_when_to_come_back() -> None:
    clock = FakeClock()
    breaker = _open(clock)
    clock.advance(4.0)
    calls: list[int] = []
    error = breaker.call(lambda: calls.append(1)).failure()
    assert isinstance(error, CircuitOpenError)
    assert (error.retry_after_s, error.breaker, error.retryable, calls) == (6.0, "db", True, [])
    breaker.force_open()
    assert breaker.call(lambda: 1).failure() == CircuitOpenError("circuit 'db' is forced open", breaker="db")


def test_the_decorator_keeps_the_signature() -> None:
    breaker = CircuitBreaker(clock=FakeClock())

    @breaker
    def find(key: str, *, strict: bool = False) -> Result[int, NotFoundError]:
        """Find a thing."""
        return Success(len(key)) if not strict else Failure(NotFoundError(key))

    @breaker
    def plain(x: int) -> int:
        return x + 1

    assert_type(find("abc"), Result[int, NotFoundError | SpineError])
    assert_type(plain(1), Result[int, SpineError])
    assert_type(breaker.call(plain, 1), Result[int, SpineError])  # plain returns a Result now
    assert (find("abc"), plain(1), find.__doc__) == (Success(3), Success(2), "Find a thing.")


def test_a_decorated_method_still_binds_self() -> None:
    breaker = CircuitBreaker(clock=FakeClock())

    class Repo:
        def __init__(self) -> None:
            self.rows = {"a": 1}

        @breaker
        def get(self, key: str) -> int:
            return self.rows[key]

    assert Repo().get("a") == Success(1)
    assert isinstance(Repo().get("b").failure(), InternalError)


def _typing_facts_never_run(breaker: CircuitBreaker) -> None:
    @breaker
    def find(key: str) -> Result[int, NotFoundError]:
        return Success(len(key))

    find(1)  # type: ignore[arg-type]  # the wrapped parameters are kept
    breaker.call(find, 1)  # type: ignore[call-overload]  # and checked through call()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_an_interrupted_probe_counts_as_nothing_and_frees_its_slot(stop: type[BaseException]) -> None:
    clock = FakeClock()
    breaker = _open(clock)
    clock.advance(10.0)

    def interrupted() -> int:
        raise stop

    with pytest.raises(stop):
        breaker.call(interrupted)
    assert breaker.state == HalfOpen(admitted=0, succeeded=0, epoch=2)
    assert breaker.call(lambda: 1) == Success(1)  # the slot is free again
    assert isinstance(breaker.state, Closed)


def test_ignored_errors_count_as_nothing() -> None:
    policy = BreakerPolicy(
        sliding_window_type=SlidingWindowType.CONSECUTIVE,
        consecutive_failure_threshold=1,
        ignore=ErrorMatch(codes=frozenset({"not_found"})),
    )
    breaker = CircuitBreaker(policy, clock=FakeClock(), ignore_when=lambda e: e == "meh")
    assert breaker.call(lambda: Failure(NotFoundError("x"))).failure() == NotFoundError("x")
    assert breaker.call(lambda: Failure("meh")) == Failure("meh")
    assert isinstance(breaker.state, Closed)
    breaker.call(_fail)
    assert isinstance(breaker.state, Open)


@pytest.mark.parametrize("mode", list(SlidingWindowType))
def test_a_success_admitted_before_a_reset_counts_for_nothing_and_later_ones_still_count(
    mode: SlidingWindowType,
) -> None:
    breaker = CircuitBreaker(
        BreakerPolicy(sliding_window_type=mode, sliding_window_size=5), clock=FakeClock()
    )
    breaker.call(_fail)

    def outer() -> int:
        breaker.reset()  # the state this call was admitted in is gone
        return 1

    assert breaker.call(outer) == Success(1)
    assert breaker.state == Closed(initial_state(breaker.policy).window, epoch=1)
    breaker.call(lambda: 2)
    breaker.call(lambda: 3)
    breaker.call(_fail)
    state = breaker.state
    assert isinstance(state, Closed)
    window = state.window
    if isinstance(window, CountWindow | TimeWindow):
        assert (window.calls, window.failures) == (3, 1)
    else:
        assert window == Consecutive(1)


# --- listeners -------------------------------------------------------------------------


def test_listeners_see_every_change_in_order_and_may_call_the_breaker() -> None:
    clock = FakeClock()
    seen: list[tuple[str, str]] = []
    breaker = CircuitBreaker(ONE_FAILURE_OPENS, clock=clock)

    def record(old: BreakerState, new: BreakerState) -> None:
        seen.append((KINDS[type(old)], KINDS[type(new)]))
        breaker.call(lambda: 0)  # re-entering from a listener neither deadlocks nor reorders

    breaker.add_listener(record)
    breaker.call(_fail)
    clock.advance(10.0)
    breaker.call(lambda: 1)
    breaker.force_open()
    breaker.disable()
    breaker.reset()
    assert seen == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
        ("closed", "forced_open"),
        ("forced_open", "disabled"),
        ("disabled", "closed"),
    ]


def test_a_failing_listener_propagates_after_the_change_and_gives_a_probe_back() -> None:
    clock = FakeClock()
    breaker = _open(clock)
    clock.advance(10.0)

    def broken(old: BreakerState, new: BreakerState) -> None:
        raise RuntimeError(BROKEN)

    breaker.add_listener(broken)
    with pytest.raises(RuntimeError, match="listener bug"):
        breaker.call(lambda: 1)
    assert breaker.state == HalfOpen(admitted=0, succeeded=0, epoch=2)


# --- the shell against the naive model, on a fake clock -----------------------------------


class ShellBreakerMachine(RuleBasedStateMachine):
    """Random calls (some nested inside others), outcomes and time, through the shell."""

    @initialize(policy=breaker_policies())
    def start(self, policy: BreakerPolicy) -> None:
        self.clock = FakeClock()
        self.model = NaiveBreaker(policy)
        self.seen: list[tuple[str, str]] = []
        self.breaker = CircuitBreaker(
            policy,
            clock=self.clock,
            listeners=[lambda old, new: self.seen.append((KINDS[type(old)], KINDS[type(new)]))],
        )

    def _call(self, outcome: str, duration: float, inner: Callable[[], None] | None = None) -> None:
        """One call through the shell and the model; ``inner`` runs while it is in flight."""
        start = self.clock.monotonic()
        allowed, retry_after, generation = self.model.admit(start)
        made: list[bool] = []

        def protected() -> Result[int, object]:
            made.append(True)
            self.clock.advance(duration)
            if inner is not None:
                inner()
            if outcome == "raise":
                raise NetworkError(outcome)
            if outcome == "interrupt":
                raise KeyboardInterrupt
            return {
                "ok": Success(1),
                "err": Failure(NetworkError("e")),
                "ignored": Failure(NotFoundError("n")),
            }[outcome]

        try:
            result = self.breaker.call(protected)
        except KeyboardInterrupt:
            result = None
        assert made == ([True] if allowed else [])
        if not allowed:
            assert result is not None
            error = result.failure()
            assert isinstance(error, CircuitOpenError)
            assert error.retry_after_s == retry_after
            return
        end = self.clock.monotonic()
        if outcome == "interrupt" or (outcome == "ignored" and self.model.policy.ignore is not None):
            self.model.release(generation)
        else:
            self.model.outcome(generation, end, end - start, failed=outcome != "ok")

    @rule(
        outcome=st.sampled_from(["ok", "err", "raise", "ignored", "interrupt"]),
        duration=st.sampled_from([0.0, 1.5]),
    )
    def call(self, outcome: str, duration: float) -> None:
        self._call(outcome, duration)

    @rule(outer=st.sampled_from(["ok", "err"]), inner=st.sampled_from(["ok", "err"]))
    def nested_call(self, outer: str, inner: str) -> None:
        self._call(outer, 0.5, lambda: self._call(inner, 0.25))

    @rule(dt=st.sampled_from([0.25, 1.0, 2.5, 6.0]))
    def advance(self, dt: float) -> None:
        self.clock.advance(dt)

    @rule(command=st.sampled_from(["reset", "force_open", "disable"]), roll=st.integers(0, 15))
    def operator(self, command: str, roll: int) -> None:
        if roll:
            return
        getattr(self.breaker, command)()
        self.model.enter({"reset": "closed", "force_open": "forced_open", "disable": "disabled"}[command])

    @invariant()
    def agrees_with_the_model(self) -> None:
        if hasattr(self, "breaker"):
            state = self.breaker.state
            assert KINDS[type(state)] == self.model.kind
            assert state.epoch == self.model.generation
            assert self.seen == self.model.changes
            if isinstance(state, Closed) and isinstance(state.window, CountWindow | TimeWindow):
                # Successes recorded in place show in the state as the pure way records them.
                calls = self.model.calls
                window = self.model.window(calls[-1][0]) if calls else []
                totals = (len(window), sum(c[1] for c in window), sum(c[2] for c in window))
                assert (state.window.calls, state.window.failures, state.window.slow) == totals


TestShellBreaker = ShellBreakerMachine.TestCase


# --- threads ---------------------------------------------------------------------------


def test_the_lock_is_not_held_while_the_protected_call_runs() -> None:
    breaker = CircuitBreaker(ONE_FAILURE_OPENS, clock=FakeClock())
    entered, leave = threading.Event(), threading.Event()

    def blocking() -> int:
        entered.set()
        assert leave.wait(WAIT)
        return 1

    worker = threading.Thread(target=lambda: breaker.call(blocking))
    worker.start()
    assert entered.wait(WAIT)
    assert breaker.call(lambda: 2) == Success(2)  # admitted while the other call is in flight
    breaker.force_open()
    assert isinstance(breaker.call(lambda: 3).failure(), CircuitOpenError)  # and rejected too
    leave.set()
    worker.join(WAIT)
    assert not worker.is_alive()


def test_while_the_only_probe_runs_other_callers_are_rejected_at_once() -> None:
    clock = FakeClock()
    breaker = _open(clock)
    clock.advance(10.0)
    entered, leave = threading.Event(), threading.Event()
    results: list[Result[int, SpineError]] = []

    def probe() -> int:
        entered.set()
        assert leave.wait(WAIT)
        return 1

    worker = threading.Thread(target=lambda: results.append(breaker.call(probe)))
    worker.start()
    assert entered.wait(WAIT)
    rejected = breaker.call(lambda: 2).failure()
    assert isinstance(rejected, CircuitOpenError)
    assert rejected.retry_after_s is None
    leave.set()
    worker.join(WAIT)
    assert results == [Success(1)]
    assert isinstance(breaker.state, Closed)


def test_many_threads_leave_a_consistent_breaker_and_an_ordered_history() -> None:
    clock = FakeClock()
    policy = BreakerPolicy(
        sliding_window_size=10,
        minimum_number_of_calls=5,
        wait_duration_in_open_state_s=0.5,
        permitted_number_of_calls_in_half_open_state=2,
    )
    history: list[tuple[BreakerState, BreakerState]] = []
    breaker = CircuitBreaker(policy, clock=clock, listeners=[lambda old, new: history.append((old, new))])
    counts = {"ok": 0, "err": 0, "rejected": 0}
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(300):
            fail = rng.random() < 0.4
            result = breaker.call(_outcome, fail)
            clock.advance(0.01)
            kind = "ok" if isinstance(result, Success) else "rejected"
            if kind == "rejected" and not isinstance(result.failure(), CircuitOpenError):
                kind = "err"
            with lock:
                counts[kind] += 1

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 6)
    assert sum(counts.values()) == 8 * 300
    assert counts["rejected"] > 0  # it opened at some point
    for (_, new), (old, _) in itertools.pairwise(history):
        assert (type(new), new.epoch) == (type(old), old.epoch)  # each starts where the last ended
    assert [new.epoch for _, new in history] == sorted(new.epoch for _, new in history)
    if history:
        assert history[-1][1].epoch <= breaker.state.epoch
