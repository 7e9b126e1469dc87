"""The retry shell: what it calls, how long it sleeps, what it returns, what it never catches."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import assert_type

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from spine.core.errors import (
    InternalError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    SpineError,
    ValidationError,
)
from spine.execution.jitter import JitterMode
from spine.execution.retry import Backoff, GiveUp, GiveUpReason, RetryAfter, RetryPolicy
from spine.execution.retry_shell import RetryEvent, Retrying, call_with_retry, retrying
from spine.testing import FakeClock, FakeSleeper
from spine.testing.random import ScriptedRandom

FIXED = RetryPolicy(max_attempts=4, base_s=1.0, jitter=JitterMode.NONE)


def _ports() -> tuple[FakeClock, FakeSleeper]:
    clock = FakeClock()
    return clock, FakeSleeper(clock)


def _script(outcomes: Sequence[object]) -> tuple[Callable[[], object], list[int]]:
    """A function that returns (or raises) the next scripted outcome; and its call count."""
    calls = [0]
    it: Iterator[object] = iter(outcomes)

    def fn() -> object:
        calls[0] += 1
        outcome = next(it)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return fn, calls


# --- Result-returning functions --------------------------------------------------------


def test_an_err_is_retried_until_ok_with_the_scheduled_waits() -> None:
    _, sleeper = _ports()
    fn, calls = _script([Failure(NetworkError("a")), Failure(NetworkError("b")), Success(7)])
    assert call_with_retry(fn, FIXED, sleeper=sleeper) == Success(7)
    assert calls == [3]
    assert sleeper.sleeps == [1.0, 2.0]


def test_after_the_last_attempt_the_last_err_comes_back_as_it_was() -> None:
    _, sleeper = _ports()
    last = Failure(NetworkError("d"))
    fn, calls = _script([Failure(NetworkError(x)) for x in "abc"] + [last])
    assert call_with_retry(fn, FIXED, sleeper=sleeper) is last
    assert calls == [4]
    assert sleeper.sleeps == [1.0, 2.0, 4.0]


def test_a_non_retryable_err_is_returned_after_one_call() -> None:
    _, sleeper = _ports()
    fn, calls = _script([Failure(NotFoundError("gone"))])
    assert call_with_retry(fn, FIXED, sleeper=sleeper).failure() == NotFoundError("gone")
    assert (calls, sleeper.sleeps) == ([1], [])


def test_an_err_that_is_not_an_exception_is_retried_only_by_a_predicate() -> None:
    _, sleeper = _ports()
    fn, calls = _script([Failure("busy"), Failure("busy"), Success(1)])
    assert call_with_retry(fn, FIXED, sleeper=sleeper) == Failure("busy")
    assert calls == [1]
    fn, calls = _script([Failure("busy"), Failure("busy"), Success(1)])
    assert call_with_retry(fn, FIXED, sleeper=sleeper, retry_on=lambda e: e == "busy") == Success(1)
    assert calls == [3]


# --- raising functions -----------------------------------------------------------------


def test_a_raising_function_is_retried_and_its_value_comes_back_ok() -> None:
    _, sleeper = _ports()
    fn, calls = _script([NetworkError("a"), 5])
    assert call_with_retry(fn, FIXED, sleeper=sleeper) == Success(5)
    assert calls == [1 + 1]


def test_the_last_exception_comes_back_as_its_spine_error() -> None:
    _, sleeper = _ports()
    boom = ConnectionResetError("peer")
    fn, calls = _script([boom])
    error = call_with_retry(fn, FIXED, sleeper=sleeper).failure()
    assert isinstance(error, InternalError)
    assert error.__cause__ is boom
    assert calls == [1]  # a foreign exception is not retryable
    fn, calls = _script([boom, boom, 3])
    retried = call_with_retry(fn, FIXED, sleeper=sleeper, retry_on=lambda e: isinstance(e, OSError))
    assert (retried, calls) == (Success(3), [3])


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), SystemExit(2), GeneratorExit()])
def test_interrupts_are_never_caught_or_retried(stop: BaseException) -> None:
    _, sleeper = _ports()
    fn, calls = _script([stop, 1])
    with pytest.raises(type(stop)):
        call_with_retry(fn, FIXED, sleeper=sleeper, retry_on=lambda _: True)
    assert calls == [1]
    fn, calls = _script([NetworkError("a"), stop, 1])
    with pytest.raises(type(stop)):
        call_with_retry(fn, FIXED, sleeper=sleeper)
    assert calls == [2]


# --- time, jitter, observation ---------------------------------------------------------


def test_retry_after_on_the_error_is_waited_at_least() -> None:
    _, sleeper = _ports()
    fn, _ = _script([Failure(RateLimitedError("slow", retry_after_s=3.5)), Success(1)])
    assert call_with_retry(fn, FIXED, sleeper=sleeper) == Success(1)
    assert sleeper.sleeps == [3.5]


def test_the_deadline_counts_from_the_first_attempt() -> None:
    clock, sleeper = _ports()
    policy = RetryPolicy(max_attempts=10, base_s=1.0, factor=1.0, jitter=JitterMode.NONE, deadline_s=5.0)
    events: list[RetryEvent] = []

    def slow() -> Result[int, SpineError]:
        clock.advance(1.5)
        return Failure(NetworkError("slow"))

    call_with_retry(slow, policy, sleeper=sleeper, clock=clock, on_failed_attempt=events.append)
    # attempts start at 0, 2.5 and 5.0 would be at the deadline: two attempts
    assert [e.decision for e in events] == [RetryAfter(1.0, 2), GiveUp(GiveUpReason.DEADLINE, 2)]


def test_jitter_is_drawn_from_the_random_source() -> None:
    _, sleeper = _ports()
    rng = ScriptedRandom([0.5, 0.25])
    policy = RetryPolicy(max_attempts=3, base_s=2.0, jitter=JitterMode.FULL)
    fn, _ = _script([NetworkError("a"), NetworkError("b"), 1])
    call_with_retry(fn, policy, sleeper=sleeper, jitter=rng)
    assert sleeper.sleeps == [1.0, 1.0]  # 0.5 * 2.0, then 0.25 * 4.0
    assert rng.draws_taken == 2


def test_every_failed_attempt_is_reported_with_its_number_and_decision() -> None:
    _, sleeper = _ports()
    events: list[RetryEvent] = []
    fn, _ = _script([Failure(NetworkError("a")), NetworkError("b"), Failure(ValidationError("c"))])
    call_with_retry(fn, FIXED, sleeper=sleeper, on_failed_attempt=events.append)
    assert [(e.attempt, e.decision) for e in events] == [
        (1, RetryAfter(1.0, 2)),
        (2, RetryAfter(2.0, 3)),
        (3, GiveUp(GiveUpReason.NOT_RETRYABLE, 3)),
    ]
    assert isinstance(events[1].error, NetworkError)  # what the attempt raised, as raised


# --- the decorator keeps the signature -------------------------------------------------


def test_the_decorator_keeps_arguments_name_and_types() -> None:
    _, sleeper = _ports()
    seen: list[tuple[int, str]] = []

    @retrying(FIXED, sleeper=sleeper)
    def fetch(key: int, *, region: str = "eu") -> Result[str, NotFoundError]:
        """Fetch one thing."""
        seen.append((key, region))
        return Success(f"{key}@{region}")

    @retrying(FIXED, sleeper=sleeper)
    def plain(x: int) -> int:
        return x * 2

    assert_type(fetch(1, region="us"), Result[str, NotFoundError | SpineError])
    assert_type(plain(2), Result[int, SpineError])
    assert fetch(1, region="us") == Success("1@us")
    assert plain(2) == Success(4)
    assert fetch.__name__ == "fetch"
    assert fetch.__doc__ == "Fetch one thing."
    assert seen == [(1, "us"), (1, "us")]
    retrier = Retrying(FIXED, sleeper=sleeper)
    assert retrier.policy is FIXED
    assert_type(retrier.call(lambda: plain(3)), Result[int, SpineError])  # the Result overload
    assert_type(retrier.call(lambda: 3), Result[int, SpineError])


def test_a_decorated_method_still_binds_self() -> None:
    _, sleeper = _ports()

    class Client:
        def __init__(self) -> None:
            self.replies: Iterator[Exception | int] = iter([NetworkError("a"), 7])

        @retrying(FIXED, sleeper=sleeper)
        def get(self, key: str) -> int:
            reply = next(self.replies)
            if isinstance(reply, Exception):
                raise reply
            return reply + len(key)

    assert Client().get("ab") == Success(9)
    assert sleeper.sleeps == [1.0]


def _typing_facts_never_run() -> None:
    @retrying(FIXED)
    def fetch(key: int) -> Result[str, NotFoundError]:
        return Success(str(key))

    fetch("not an int")  # type: ignore[arg-type]  # the wrapped parameters are kept
    fetch(1, 2)  # type: ignore[call-arg]  # and so is their number


# --- properties over random scripts ----------------------------------------------------

_OUTCOMES: dict[str, Callable[[], object]] = {
    "ok": lambda: Success(1),
    "plain": lambda: 1,
    "err_retryable": lambda: Failure(NetworkError("n")),
    "err_final": lambda: Failure(ValidationError("v")),
    "raise_retryable": lambda: NetworkError("n"),
    "raise_foreign": lambda: ValueError("v"),
}
_GOOD, _RETRYABLE = {"ok", "plain"}, {"err_retryable", "raise_retryable"}


@given(
    st.lists(st.sampled_from(sorted(_OUTCOMES)), min_size=1, max_size=15),
    st.integers(1, 8),
    st.sampled_from(list(JitterMode)),
    st.sampled_from(list(Backoff)),
)
def test_calls_stop_at_the_first_final_outcome_or_max_attempts(
    script: list[str], max_attempts: int, jitter: JitterMode, backoff: Backoff
) -> None:
    _, sleeper = _ports()
    script = script + ["ok"] * max_attempts
    fn, calls = _script([_OUTCOMES[name]() for name in script])
    policy = RetryPolicy(
        max_attempts=max_attempts, jitter=jitter, backoff=backoff, base_s=0.1, max_delay_s=2.0
    )
    result = call_with_retry(fn, policy, sleeper=sleeper, jitter=ScriptedRandom([0.0, 0.3, 0.9]))
    first_final = next(i for i, name in enumerate(script) if name not in _RETRYABLE)
    expected_calls = min(first_final + 1, max_attempts)
    assert calls == [expected_calls]
    assert len(sleeper.sleeps) == expected_calls - 1
    assert all(0.0 <= s <= 2.0 for s in sleeper.sleeps)
    last = script[expected_calls - 1]
    assert isinstance(result, Success) == (last in _GOOD)
    if last == "raise_foreign":
        assert isinstance(result.failure(), InternalError)
