"""The pure retry decisions: schedules, jitter bounds, classification, limits."""

from __future__ import annotations

import itertools
import math

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import (
    InternalError,
    NetworkError,
    RateLimitedError,
    SpineError,
    ValidationError,
    from_exception,
)
from spine.execution.jitter import JitterMode, apply_jitter
from spine.execution.retry import (
    Backoff,
    GiveUp,
    GiveUpReason,
    RetryAfter,
    RetryPolicy,
    backoff_delay,
    is_retryable,
    next_delay,
)

draws = st.floats(0.0, 1.0, exclude_max=True)
seconds = st.floats(0.0, 50.0, allow_nan=False)


@st.composite
def policies(draw: st.DrawFn, *, jitter: JitterMode | None = None, deadline: bool = False) -> RetryPolicy:
    base = draw(st.floats(0.0, 5.0))
    return RetryPolicy(
        max_attempts=draw(st.integers(1, 12)),
        backoff=draw(st.sampled_from(list(Backoff))),
        base_s=base,
        factor=draw(st.floats(1.0, 4.0)),
        increment_s=draw(st.floats(0.0, 3.0)),
        max_delay_s=base + draw(st.floats(0.0, 60.0)),
        jitter=draw(st.sampled_from(list(JitterMode))) if jitter is None else jitter,
        deadline_s=draw(st.none() | st.floats(0.0, 300.0)) if deadline else None,
    )


def _retryable() -> SpineError:
    return NetworkError("reset")


# --- the policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"max_attempts": 0}, "max_attempts counts attempts including the first"),
        ({"base_s": -1.0}, "base_s must be"),
        ({"factor": 0.5}, "factor must be"),
        ({"increment_s": math.nan}, "increment_s must be"),
        ({"base_s": 2.0, "max_delay_s": 1.0}, "max_delay_s must be a finite number >= 2.0"),
        ({"deadline_s": -0.1}, "deadline_s must be"),
    ],
)
def test_an_unusable_policy_is_refused(options: dict[str, float], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        RetryPolicy(**options)  # type: ignore[arg-type]  # a dict of mixed option types


def test_a_policy_round_trips_through_json_and_is_validated_when_decoded() -> None:
    policy = RetryPolicy(backoff=Backoff.LINEAR, jitter=JitterMode.DECORRELATED, deadline_s=9.0)
    assert msgspec.json.decode(msgspec.json.encode(policy), type=RetryPolicy) == policy
    with pytest.raises(msgspec.ValidationError, match="max_attempts"):
        msgspec.json.decode(b'{"max_attempts": 0}', type=RetryPolicy)


# --- schedules and jitter --------------------------------------------------------------


def test_each_schedule_counts_from_the_first_failed_attempt() -> None:
    exponential = RetryPolicy(base_s=0.5, factor=3.0, max_delay_s=10.0)
    linear = RetryPolicy(backoff=Backoff.LINEAR, base_s=0.5, increment_s=2.0, max_delay_s=10.0)
    constant = RetryPolicy(backoff=Backoff.CONSTANT, base_s=0.5)
    assert [backoff_delay(exponential, n) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]
    assert [backoff_delay(linear, n) for n in range(1, 7)] == [0.5, 2.5, 4.5, 6.5, 8.5, 10.0]
    assert [backoff_delay(constant, n) for n in range(1, 4)] == [0.5, 0.5, 0.5]


@given(policies(jitter=JitterMode.NONE), st.integers(1, 2000))
def test_without_jitter_delays_never_decrease_and_stop_at_the_cap(policy: RetryPolicy, upto: int) -> None:
    delays = [backoff_delay(policy, n) for n in range(1, upto + 1)]
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert all(0.0 <= d <= policy.max_delay_s for d in delays)


@given(policies(), st.integers(1, 40), draws, st.none() | seconds)
def test_every_jitter_mode_keeps_the_delay_within_its_bounds(
    policy: RetryPolicy, attempt: int, jitter: float, previous: float | None
) -> None:
    policy = msgspec.structs.replace(policy, max_attempts=attempt + 1)
    decision = next_delay(policy, attempt, _retryable(), jitter, previous)
    assert isinstance(decision, RetryAfter)
    assert decision.attempt == attempt + 1
    d = backoff_delay(policy, attempt)
    low, high = {
        JitterMode.NONE: (d, d),
        JitterMode.FULL: (0.0, d),
        JitterMode.EQUAL: (d / 2, d),
        JitterMode.DECORRELATED: (policy.base_s, policy.max_delay_s),
    }[policy.jitter]
    assert low - 1e-9 <= decision.delay_s <= high + 1e-9
    assert decision.delay_s <= policy.max_delay_s


def test_the_aws_definitions() -> None:
    assert apply_jitter(JitterMode.FULL, 8.0, 0.0, base_s=1.0, cap_s=8.0) == 0.0
    assert apply_jitter(JitterMode.EQUAL, 8.0, 0.0, base_s=1.0, cap_s=8.0) == 4.0
    # decorrelated: between(base, 3 * previous), capped; the first grows from base
    assert apply_jitter(JitterMode.DECORRELATED, 8.0, 0.5, base_s=1.0, cap_s=100.0) == 2.0
    assert apply_jitter(JitterMode.DECORRELATED, 8.0, 0.5, base_s=1.0, cap_s=100.0, previous_s=10.0) == 15.5
    assert apply_jitter(JitterMode.DECORRELATED, 8.0, 0.99, base_s=1.0, cap_s=20.0, previous_s=10.0) == 20.0


@pytest.mark.parametrize("draw", [-0.1, 1.5, math.nan])
def test_a_draw_outside_the_unit_interval_is_a_bug(draw: float) -> None:
    with pytest.raises(ValueError, match="jitter draw"):
        apply_jitter(JitterMode.FULL, 1.0, draw, base_s=1.0, cap_s=1.0)


# --- limits ----------------------------------------------------------------------------


@given(policies(deadline=True), st.lists(draws, min_size=1, max_size=20))
def test_never_more_attempts_than_max_attempts(policy: RetryPolicy, jitters: list[float]) -> None:
    attempt, previous, elapsed = 1, None, 0.0
    while True:
        decision = next_delay(
            policy, attempt, _retryable(), jitters[attempt % len(jitters)], previous, elapsed_s=elapsed
        )
        if isinstance(decision, GiveUp):
            break
        attempt, previous, elapsed = decision.attempt, decision.delay_s, elapsed + decision.delay_s
    assert decision.attempts == attempt <= policy.max_attempts
    if policy.deadline_s is None:
        assert decision == GiveUp(GiveUpReason.ATTEMPTS_EXHAUSTED, policy.max_attempts)
    else:
        assert decision.reason in {GiveUpReason.ATTEMPTS_EXHAUSTED, GiveUpReason.DEADLINE}


def test_max_attempts_three_means_two_waits() -> None:
    policy = RetryPolicy(max_attempts=3, jitter=JitterMode.NONE)
    assert isinstance(next_delay(policy, 1, _retryable(), 0.0), RetryAfter)
    assert isinstance(next_delay(policy, 2, _retryable(), 0.0), RetryAfter)
    assert next_delay(policy, 3, _retryable(), 0.0) == GiveUp(GiveUpReason.ATTEMPTS_EXHAUSTED, 3)
    assert next_delay(RetryPolicy(max_attempts=1), 1, _retryable(), 0.0) == GiveUp(
        GiveUpReason.ATTEMPTS_EXHAUSTED, 1
    )


@given(policies(), st.integers(1, 5), draws)
def test_a_non_retryable_error_stops_at_once(policy: RetryPolicy, attempt: int, jitter: float) -> None:
    for error in (ValidationError("bad"), InternalError("bug"), ValueError("x"), "an Err value", None):
        assert next_delay(policy, attempt, error, jitter) == GiveUp(GiveUpReason.NOT_RETRYABLE, attempt)


def test_the_deadline_stops_an_attempt_that_could_only_start_at_or_after_it() -> None:
    policy = RetryPolicy(max_attempts=10, base_s=2.0, jitter=JitterMode.NONE, deadline_s=10.0)
    assert next_delay(policy, 1, _retryable(), 0.0, elapsed_s=7.9) == RetryAfter(2.0, 2)
    assert next_delay(policy, 1, _retryable(), 0.0, elapsed_s=8.0) == GiveUp(GiveUpReason.DEADLINE, 1)
    assert next_delay(policy, 1, _retryable(), 0.0, elapsed_s=12.0) == GiveUp(GiveUpReason.DEADLINE, 1)


# --- classification and retry-after ----------------------------------------------------


def test_classification_follows_retryable_and_a_predicate_replaces_it() -> None:
    assert is_retryable(NetworkError("x"))
    assert not is_retryable(NetworkError("x").with_retryable(False))
    assert is_retryable(ValidationError("x").with_retryable(True))
    assert not is_retryable(ConnectionResetError())  # not a SpineError: from_exception says no
    assert not is_retryable(from_exception(ConnectionResetError()))
    seen: list[object] = []

    def on_os_errors(error: object) -> bool:
        seen.append(error)
        return isinstance(error, OSError)

    reset = ConnectionResetError("peer")
    decision = next_delay(RetryPolicy(), 1, reset, 0.5, retry_on=on_os_errors)
    assert isinstance(decision, RetryAfter)
    assert seen == [reset]  # the predicate sees the error itself
    assert isinstance(next_delay(RetryPolicy(), 1, NetworkError("x"), 0.5, retry_on=on_os_errors), GiveUp)


@given(policies(), st.integers(1, 5), draws, st.floats(0.0, 120.0))
def test_retry_after_is_honoured_or_the_retry_is_given_up(
    policy: RetryPolicy, attempt: int, jitter: float, retry_after: float
) -> None:
    policy = msgspec.structs.replace(policy, max_attempts=attempt + 1)
    decision = next_delay(policy, attempt, RateLimitedError("slow down", retry_after_s=retry_after), jitter)
    if retry_after > policy.max_delay_s:
        assert decision == GiveUp(GiveUpReason.RETRY_AFTER_TOO_LONG, attempt)
    else:
        assert isinstance(decision, RetryAfter)
        assert retry_after <= decision.delay_s <= policy.max_delay_s


def test_exponential_growth_that_overflows_a_float_is_just_the_cap() -> None:
    policy = RetryPolicy(max_attempts=100_000, factor=4.0, max_delay_s=60.0, jitter=JitterMode.NONE)
    assert next_delay(policy, 50_000, _retryable(), 0.0) == RetryAfter(60.0, 50_001)
