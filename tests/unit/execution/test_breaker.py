"""The pure circuit breaker: examples, then long random runs against a naive model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import msgspec
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from spine.core.errors import (
    ErrorCategory,
    NetworkError,
    NotFoundError,
    OperationTimeoutError,
    ValidationError,
    from_record,
    to_record,
)
from spine.execution.breaker import (
    Admit,
    BreakerState,
    CircuitOpenError,
    Closed,
    Disabled,
    ForcedOpen,
    HalfOpen,
    Open,
    Reject,
    admit,
    disable,
    force_open,
    initial_state,
    on_failure,
    on_success,
    release,
    reset,
)
from spine.execution.breaker_policy import BreakerPolicy, ErrorMatch, SlidingWindowType, Verdict, classify
from spine.execution.breaker_window import CountWindow, TimeWindow

CONSECUTIVE = SlidingWindowType.CONSECUTIVE
COUNT = SlidingWindowType.COUNT_BASED
TIME = SlidingWindowType.TIME_BASED

# --- the naive model: plain lists, recomputed from scratch at every step -------------------


@dataclass
class NaiveBreaker:
    """The breaker as its documentation states it, with no cleverness at all."""

    policy: BreakerPolicy
    kind: str = "closed"
    generation: int = 0
    calls: list[tuple[float, bool, bool]] = field(default_factory=list)  # (now, failed, slow)
    opened_at: float = 0.0
    admitted: int = 0
    succeeded: int = 0
    changes: list[tuple[str, str]] = field(default_factory=list)

    def enter(self, kind: str, now: float = 0.0) -> None:
        if kind != self.kind:
            self.changes.append((self.kind, kind))
        self.kind, self.generation = kind, self.generation + 1
        self.calls, self.admitted, self.succeeded, self.opened_at = [], 0, 0, now

    def admit(self, now: float) -> tuple[bool, float | None, int]:
        p = self.policy
        if self.kind in {"closed", "disabled"}:
            return True, None, self.generation
        if self.kind == "open":
            if now < self.opened_at + p.wait_duration_in_open_state_s:
                return False, self.opened_at + p.wait_duration_in_open_state_s - now, self.generation
            self.enter("half_open")
            self.admitted = 1
            return True, None, self.generation
        if self.kind == "half_open" and self.admitted < p.permitted_number_of_calls_in_half_open_state:
            self.admitted += 1
            return True, None, self.generation
        return False, None, self.generation

    def outcome(self, generation: int, now: float, duration: float, *, failed: bool) -> None:
        if generation != self.generation:
            return
        threshold = self.policy.slow_call_duration_threshold_s
        slow = threshold is not None and duration >= threshold
        if self.kind == "closed":
            self.calls.append((now, failed, slow))
            if self.tripped(now):
                self.enter("open", now)
        elif self.kind == "half_open":
            if failed or slow:
                self.enter("open", now)
            else:
                self.succeeded += 1
                if self.succeeded >= self.policy.permitted_number_of_calls_in_half_open_state:
                    self.enter("closed")

    def release(self, generation: int) -> None:
        if generation == self.generation and self.kind == "half_open" and self.admitted > 0:
            self.admitted -= 1

    def window(self, now: float) -> list[tuple[float, bool, bool]]:
        p = self.policy
        if p.sliding_window_type is COUNT:
            return self.calls[-p.sliding_window_size :]
        return [c for c in self.calls if math.floor(c[0]) > math.floor(now) - p.sliding_window_size]

    def tripped(self, now: float) -> bool:
        p = self.policy
        if p.sliding_window_type is CONSECUTIVE:
            run = 0
            for _, failed, _ in reversed(self.calls):
                if not failed:
                    break
                run += 1
            return run >= p.consecutive_failure_threshold
        window = self.window(now)
        minimum = p.minimum_number_of_calls
        if p.sliding_window_type is COUNT:
            minimum = min(minimum, p.sliding_window_size)
        failures = sum(1 for _, failed, _ in window if failed)
        slow = sum(1 for _, _, s in window if s)
        return len(window) >= minimum and (
            failures * 100.0 >= p.failure_rate_threshold * len(window)
            or slow * 100.0 >= p.slow_call_rate_threshold * len(window)
        )


KINDS = {
    Closed: "closed",
    Open: "open",
    HalfOpen: "half_open",
    ForcedOpen: "forced_open",
    Disabled: "disabled",
}


@st.composite
def breaker_policies(draw: st.DrawFn) -> BreakerPolicy:
    mode = draw(st.sampled_from(list(SlidingWindowType)))
    return BreakerPolicy(
        sliding_window_type=mode,
        sliding_window_size=draw(st.integers(1, 6)),
        minimum_number_of_calls=draw(st.integers(1, 8)),
        failure_rate_threshold=draw(st.sampled_from([1.0, 25.0, 50.0, 66.6, 100.0])),
        consecutive_failure_threshold=draw(st.integers(1, 4)),
        slow_call_duration_threshold_s=None if mode is CONSECUTIVE else draw(st.sampled_from([None, 1.0])),
        slow_call_rate_threshold=draw(st.sampled_from([34.0, 100.0])),
        wait_duration_in_open_state_s=draw(st.sampled_from([0.0, 1.0, 5.0])),
        permitted_number_of_calls_in_half_open_state=draw(st.integers(1, 3)),
        ignore=draw(st.sampled_from([None, ErrorMatch(categories=frozenset({ErrorCategory.NOT_FOUND}))])),
    )


time_steps = st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.5, 6.0])
durations = st.sampled_from([0.0, 0.5, 1.0, 3.0])


class PureBreakerMachine(RuleBasedStateMachine):
    """Random calls, outcomes and time, through the pure transitions and the naive model."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.in_flight: list[tuple[int, int]] = []  # (epoch, model generation)

    @initialize(policy=breaker_policies())
    def start(self, policy: BreakerPolicy) -> None:
        self.policy = policy
        self.state: BreakerState = initial_state(policy)
        self.model = NaiveBreaker(policy)

    @rule(dt=time_steps)
    def advance(self, dt: float) -> None:
        self.now += dt

    def _admit(self) -> tuple[int, int] | None:
        self.state, decision = admit(self.policy, self.state, self.now)
        allowed, retry_after, generation = self.model.admit(self.now)
        if not allowed:
            assert decision == Reject(retry_after)
            return None
        assert isinstance(decision, Admit)
        return decision.epoch, generation

    def _settle(self, permit: tuple[int, int], *, failed: bool, duration: float) -> None:
        epoch, generation = permit
        settle = on_failure if failed else on_success
        self.state = settle(self.policy, self.state, self.now, duration, epoch=epoch)
        self.model.outcome(generation, self.now, duration, failed=failed)

    @rule(failed=st.booleans(), duration=durations)
    def call(self, failed: bool, duration: float) -> None:
        if (permit := self._admit()) is not None:
            self._settle(permit, failed=failed, duration=duration)

    @rule(duration=durations)
    def failing_call(self, duration: float) -> None:
        if (permit := self._admit()) is not None:
            self._settle(permit, failed=True, duration=duration)

    @rule()
    def succeeding_call(self) -> None:
        if (permit := self._admit()) is not None:
            self._settle(permit, failed=False, duration=0.0)

    @rule()
    def start_call(self) -> None:
        if (permit := self._admit()) is not None:
            self.in_flight.append(permit)

    @rule(pick=st.integers(0, 100), failed=st.booleans(), duration=durations)
    def finish(self, pick: int, failed: bool, duration: float) -> None:
        if self.in_flight:
            self._settle(self.in_flight.pop(pick % len(self.in_flight)), failed=failed, duration=duration)

    @rule(pick=st.integers(0, 100))
    def give_back(self, pick: int) -> None:
        if not self.in_flight:
            return
        epoch, generation = self.in_flight.pop(pick % len(self.in_flight))
        self.state = release(self.state, epoch=epoch)
        self.model.release(generation)

    @rule(command=st.sampled_from(["reset", "force_open", "disable"]), roll=st.integers(0, 15))
    def operator(self, command: str, roll: int) -> None:
        if roll:  # rare: most runs should spend their time in the automatic states
            return
        if command == "force_open":
            self.state = force_open(self.state)
            self.model.enter("forced_open")
        elif command == "disable":
            self.state = disable(self.state)
            self.model.enter("disabled")
        else:
            self.state = reset(self.policy, self.state)
            self.model.enter("closed")

    @invariant()
    def agrees_with_the_model(self) -> None:
        if not hasattr(self, "state"):
            return
        assert KINDS[type(self.state)] == self.model.kind
        assert self.state.epoch == self.model.generation
        if isinstance(self.state, HalfOpen):
            assert (self.state.admitted, self.state.succeeded) == (self.model.admitted, self.model.succeeded)
        if isinstance(self.state, Open):
            assert self.state.opened_at == self.model.opened_at
        if isinstance(self.state, Closed) and isinstance(self.state.window, CountWindow | TimeWindow):
            w, calls = self.state.window, self.model.calls
            if calls:
                window = self.model.window(calls[-1][0])
                assert (w.calls, w.failures, w.slow) == (
                    len(window),
                    sum(c[1] for c in window),
                    sum(c[2] for c in window),
                )
            if isinstance(w, CountWindow):
                assert w.failed_bits.bit_length() <= w.size  # the ring never grows


TestPureBreaker = PureBreakerMachine.TestCase
# Long runs: a stale outcome needs a call started, a transition, then the call finishing.
TestPureBreaker.settings = settings(settings.default, stateful_step_count=100)


# --- examples --------------------------------------------------------------------------


def _run(
    policy: BreakerPolicy, outcomes: str, state: BreakerState | None = None, now: float = 0.0
) -> BreakerState:
    """Admit and settle one call per letter: F failure, S success, L slow success."""
    state = initial_state(policy) if state is None else state
    for letter in outcomes:
        state, decision = admit(policy, state, now)
        assert isinstance(decision, Admit), f"rejected before {letter!r}"
        settle = on_failure if letter == "F" else on_success
        state = settle(policy, state, now, 5.0 if letter == "L" else 0.0, epoch=decision.epoch)
    return state


def test_consecutive_mode_counts_failures_in_a_row_not_in_total() -> None:
    policy = BreakerPolicy(sliding_window_type=CONSECUTIVE, consecutive_failure_threshold=3)
    assert isinstance(_run(policy, "FFSFFSFF"), Closed)  # six failures, never three in a row
    assert isinstance(_run(policy, "FFSFFF"), Open)


def test_count_window_waits_for_the_minimum_then_judges_the_rate() -> None:
    policy = BreakerPolicy(sliding_window_size=4, minimum_number_of_calls=4, failure_rate_threshold=50.0)
    assert isinstance(_run(policy, "FFF"), Closed)  # too few calls to judge
    assert isinstance(_run(policy, "FSSSSF"), Closed)  # the first F slid out: 1 of the last 4
    assert isinstance(_run(policy, "SSSFSSF"), Open)  # F S S F: 50 %


def test_time_window_forgets_seconds_that_slid_out() -> None:
    policy = BreakerPolicy(
        sliding_window_type=TIME,
        sliding_window_size=2,
        minimum_number_of_calls=3,
        failure_rate_threshold=60.0,
    )
    state = _run(policy, "FF", now=10.0)
    state = _run(policy, "S", state, now=12.0)  # the failures of second 10 are out of the window
    assert isinstance(state, Closed)
    assert isinstance(state.window, TimeWindow)
    assert (state.window.calls, state.window.failures) == (1, 0)
    assert isinstance(_run(policy, "FF", state, now=13.5), Open)  # S@12, F@13, F@13: 2/3


def test_slow_calls_open_the_circuit_and_fail_a_probe() -> None:
    policy = BreakerPolicy(
        minimum_number_of_calls=2, slow_call_duration_threshold_s=1.0, slow_call_rate_threshold=50.0
    )
    assert isinstance(_run(policy, "SL"), Open)
    probing = HalfOpen(admitted=1, epoch=3)
    assert isinstance(on_success(policy, probing, 0.0, 1.0, epoch=3), Open)


def test_half_open_lets_a_fixed_number_of_probes_through() -> None:
    policy = BreakerPolicy(permitted_number_of_calls_in_half_open_state=2, wait_duration_in_open_state_s=10.0)
    state: BreakerState = Open(opened_at=0.0, epoch=1)
    state, first = admit(policy, state, 10.0)
    state, second = admit(policy, state, 10.0)
    state, third = admit(policy, state, 10.0)
    assert (first, second, third) == (Admit(2), Admit(2), Reject(None))
    state = release(state, epoch=2)  # an interrupted probe gives its slot back
    state, again = admit(policy, state, 10.0)
    assert again == Admit(2)
    state = on_success(policy, state, 11.0, 0.1, epoch=2)
    assert state == HalfOpen(admitted=2, succeeded=1, epoch=2)
    assert isinstance(on_success(policy, state, 11.0, 0.1, epoch=2), Closed)
    assert on_failure(policy, state, 11.0, 0.1, epoch=2) == Open(opened_at=11.0, epoch=3)


def test_an_outcome_from_an_earlier_state_is_ignored() -> None:
    policy = BreakerPolicy(permitted_number_of_calls_in_half_open_state=1)
    probing = HalfOpen(admitted=1, epoch=5)
    assert on_failure(policy, probing, 1.0, 0.1, epoch=4) is probing  # admitted while Closed
    assert release(probing, epoch=4) is probing


def test_forced_open_and_disabled_hold_until_reset() -> None:
    policy = BreakerPolicy(sliding_window_type=CONSECUTIVE, consecutive_failure_threshold=1)
    forced = force_open(initial_state(policy))
    assert admit(policy, forced, 1e9) == (forced, Reject(None))
    disabled = disable(forced)
    assert admit(policy, disabled, 0.0) == (disabled, Admit(disabled.epoch))
    assert on_failure(policy, disabled, 0.0, 0.0, epoch=disabled.epoch) is disabled
    assert reset(policy, disabled) == Closed(initial_state(policy).window, epoch=3)


# --- policy, classification, the error --------------------------------------------------


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"sliding_window_size": 0}, "sliding_window_size"),
        ({"failure_rate_threshold": 101.0}, "failure_rate_threshold must be a percentage"),
        ({"slow_call_rate_threshold": math.nan}, "slow_call_rate_threshold"),
        ({"permitted_number_of_calls_in_half_open_state": 0}, "permitted_number_of_calls"),
        ({"wait_duration_in_open_state_s": math.inf}, "wait_duration"),
        (
            {"sliding_window_type": CONSECUTIVE, "slow_call_duration_threshold_s": 1.0},
            "need a sliding window",
        ),
    ],
)
def test_an_unusable_policy_is_refused(options: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        BreakerPolicy(**options)  # type: ignore[arg-type]  # a dict of mixed option types


def test_a_policy_round_trips_through_json() -> None:
    policy = BreakerPolicy(
        sliding_window_type=TIME,
        record=ErrorMatch(codes=frozenset({"transient"})),
        ignore=ErrorMatch(categories=frozenset({ErrorCategory.VALIDATION})),
    )
    assert msgspec.json.decode(msgspec.json.encode(policy), type=BreakerPolicy) == policy
    with pytest.raises(msgspec.ValidationError, match="failure_rate_threshold"):
        msgspec.json.decode(b'{"failure_rate_threshold": 0}', type=BreakerPolicy)


def test_ignore_wins_over_record_and_unrecorded_errors_count_as_success() -> None:
    policy = BreakerPolicy(
        record=ErrorMatch(codes=frozenset({"transient"})),
        ignore=ErrorMatch(categories=frozenset({ErrorCategory.VALIDATION})),
    )
    assert classify(policy, OperationTimeoutError("t")) is Verdict.FAILURE  # code of a base class
    assert classify(policy, NetworkError("n").with_retryable(False)) is Verdict.FAILURE
    assert classify(policy, ValidationError("v")) is Verdict.IGNORED
    assert classify(policy, NotFoundError("x")) is Verdict.SUCCESS
    assert classify(policy, KeyError("k")) is Verdict.SUCCESS  # an InternalError: not recorded
    assert classify(BreakerPolicy(), "an Err value") is Verdict.FAILURE
    assert classify(BreakerPolicy(), "x", ignore_when=lambda e: e == "x") is Verdict.IGNORED
    assert classify(policy, "x", record_when=lambda e: e == "x") is Verdict.FAILURE


def test_circuit_open_error_is_transient_and_round_trips() -> None:
    error = CircuitOpenError("circuit 'db' is open", breaker="db", retry_after_s=3.0)
    assert (error.category, error.retryable, error.retry_after_s) == (ErrorCategory.TRANSIENT, True, 3.0)
    assert from_record(to_record(error)) == error
    assert from_record(to_record(error)).breaker == "db"  # type: ignore[attr-defined]  # a CircuitOpenError
