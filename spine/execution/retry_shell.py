"""Retrying calls: the thin shell that carries out what ``spine.execution.retry`` decides.

This is an *edge* module: by default it sleeps on the system clock and draws jitter from
the system's generator (inject a ``FakeSleeper`` and a ``ScriptedRandom`` in tests).

What a retried call returns: always a ``Result``.

- A function returning ``Result[T, E]`` is retried on ``Err`` (per the classification in
  :mod:`spine.execution.retry`); the wrapper returns its last ``Result`` as it was.
- A function that raises is retried on ``Exception`` per the same classification (the
  predicate, if any, sees the exception itself); once it gives up, the wrapper returns
  ``Err(from_exception(last_exception))``, whose ``__cause__`` is the original. A plain
  return value ``v`` comes back as ``Ok(v)``.
- ``KeyboardInterrupt``, ``SystemExit`` and ``GeneratorExit`` are never caught or retried.

So ``Callable[P, Result[T, E]]`` becomes ``Callable[P, Result[T, E | SpineError]]`` (a
function may still raise), and ``Callable[P, T]`` becomes ``Callable[P, Result[T,
SpineError]]``; the parameters are kept exactly. Every failed attempt is reported to
``on_failed_attempt`` with its number and the decision taken (``RetryAfter``, or the final
``GiveUp``), which is how a caller counts attempts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import cast, final, overload

import msgspec
from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import SpineError, from_exception
from spine.core.fast_ok import ok
from spine.core.system import SystemClock, SystemSleeper
from spine.execution.jitter import JitterMode, RandomSource
from spine.execution.random_source import SystemRandom
from spine.execution.retry import GiveUp, RetryAfter, RetryPolicy, RetryPredicate, next_delay

__all__ = ["RetryEvent", "RetryHook", "Retrying", "call_with_retry", "retrying"]

_SYSTEM_CLOCK = SystemClock()
_SYSTEM_SLEEPER = SystemSleeper()
_SYSTEM_RANDOM = SystemRandom()


class RetryEvent(msgspec.Struct, frozen=True):
    """Attempt ``attempt`` (from 1) failed with ``error``; ``decision`` is what happens next.

    ``error`` is what the attempt produced: the raised exception, or the ``Err`` value.
    """

    attempt: int
    error: object
    decision: RetryAfter | GiveUp


type RetryHook = Callable[[RetryEvent], None]
"""Observes every failed attempt (logging, metrics, counting attempts)."""


@final
class Retrying:
    """A retry policy bound to its ports: a decorator and a call wrapper.

    >>> from spine.core.errors import NetworkError
    >>> from spine.testing import FakeClock, FakeSleeper
    >>> sleeper = FakeSleeper(FakeClock())
    >>> retry = Retrying(RetryPolicy(max_attempts=3, base_s=1.0, jitter=JitterMode.NONE), sleeper=sleeper)
    >>> @retry
    ... def flaky() -> int:
    ...     raise NetworkError("reset")
    >>> flaky(), sleeper.sleeps
    (<Failure: reset>, [1.0, 2.0])
    """

    __slots__ = ("_clock", "_jitter", "_on_failed_attempt", "_policy", "_retry_on", "_sleeper")

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleeper: Sleeper = _SYSTEM_SLEEPER,
        jitter: RandomSource = _SYSTEM_RANDOM,
        clock: Clock = _SYSTEM_CLOCK,
        retry_on: RetryPredicate | None = None,
        on_failed_attempt: RetryHook | None = None,
    ) -> None:
        self._policy = policy
        self._sleeper = sleeper
        self._jitter = jitter
        self._clock = clock
        self._retry_on = retry_on
        self._on_failed_attempt = on_failed_attempt

    @property
    def policy(self) -> RetryPolicy:
        """The policy this retrier follows."""
        return self._policy

    # Both checkers flag the overlap: a Result-returning function also matches ``Callable[P,
    # T]``. The Result overload is listed first on purpose, and the wrapper tells the two
    # apart at run time by the returned value's type.
    @overload
    def __call__[**P, T, E](  # type: ignore[overload-overlap]  # pyright: ignore[reportOverlappingOverload]
        self, fn: Callable[P, Result[T, E]], /
    ) -> Callable[P, Result[T, E | SpineError]]: ...
    @overload
    def __call__[**P, T](self, fn: Callable[P, T], /) -> Callable[P, Result[T, SpineError]]: ...
    def __call__[**P](self, fn: Callable[P, object], /) -> Callable[P, Result[object, object]]:
        """Wrap ``fn`` so that each call is retried under this policy."""
        timed = self._policy.deadline_s is not None
        monotonic = self._clock.monotonic
        retry = self._retry

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Result[object, object]:
            start = monotonic() if timed else 0.0
            try:
                out = fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - classified, never swallowed
                return retry(functools.partial(fn, *args, **kwargs), exc, None, start)
            if type(out) is Success:
                return cast("Success[object]", out)
            if type(out) is Failure:
                return retry(
                    functools.partial(fn, *args, **kwargs), None, cast("Failure[object]", out), start
                )
            return ok(out)

        return wrapper

    @overload
    def call[T, E](  # type: ignore[overload-overlap]  # pyright: ignore[reportOverlappingOverload]
        self, fn: Callable[[], Result[T, E]], /
    ) -> Result[T, E | SpineError]: ...
    @overload
    def call[T](self, fn: Callable[[], T], /) -> Result[T, SpineError]: ...
    def call(self, fn: Callable[[], object], /) -> Result[object, object]:
        """Call ``fn`` (no arguments: use a lambda or ``functools.partial``) with retries."""
        start = self._clock.monotonic() if self._policy.deadline_s is not None else 0.0
        try:
            out = fn()
        except Exception as exc:  # noqa: BLE001 - classified, never swallowed
            return self._retry(fn, exc, None, start)
        if type(out) is Success:
            return cast("Success[object]", out)
        if type(out) is Failure:
            return self._retry(fn, None, cast("Failure[object]", out), start)
        return ok(out)

    def _retry(
        self,
        attempt_once: Callable[[], object],
        raised: Exception | None,
        failed: Failure[object] | None,
        start: float,
    ) -> Result[object, object]:
        """Carry on after attempt 1 failed (raised, or returned ``failed``)."""
        policy, clock, retry_on, hook = self._policy, self._clock, self._retry_on, self._on_failed_attempt
        draw = self._jitter.random if policy.jitter is not JitterMode.NONE else _no_draw
        timed = policy.deadline_s is not None
        attempt, previous = 1, None
        while True:
            error: object = raised if failed is None else failed.failure()
            elapsed = clock.monotonic() - start if timed else 0.0
            decision = next_delay(
                policy, attempt, error, draw(), previous, elapsed_s=elapsed, retry_on=retry_on
            )
            if hook is not None:
                hook(RetryEvent(attempt, error, decision))
            if isinstance(decision, GiveUp):
                if failed is not None:
                    return failed
                assert raised is not None
                return Failure(from_exception(raised))
            self._sleeper.sleep(decision.delay_s)
            attempt, previous = decision.attempt, decision.delay_s
            try:
                out = attempt_once()
            except Exception as exc:  # noqa: BLE001 - classified, never swallowed
                raised, failed = exc, None
                continue
            if type(out) is Failure:
                raised, failed = None, cast("Failure[object]", out)
                continue
            return cast("Success[object]", out) if type(out) is Success else ok(out)


def _no_draw() -> float:
    return 0.0


def retrying(
    policy: RetryPolicy,
    *,
    sleeper: Sleeper = _SYSTEM_SLEEPER,
    jitter: RandomSource = _SYSTEM_RANDOM,
    clock: Clock = _SYSTEM_CLOCK,
    retry_on: RetryPredicate | None = None,
    on_failed_attempt: RetryHook | None = None,
) -> Retrying:
    """A decorator that retries the function it wraps under ``policy``.

    >>> from returns.result import Failure, Success
    >>> from spine.core.errors import NetworkError
    >>> from spine.testing import FakeClock, FakeSleeper
    >>> replies = iter([Failure(NetworkError("reset")), Success(42)])
    >>> @retrying(RetryPolicy(base_s=0.5, jitter=JitterMode.NONE), sleeper=FakeSleeper(FakeClock()))
    ... def fetch(key: str) -> Result[int, NetworkError]:
    ...     return next(replies)
    >>> fetch("k")
    <Success: 42>
    """
    return Retrying(
        policy,
        sleeper=sleeper,
        jitter=jitter,
        clock=clock,
        retry_on=retry_on,
        on_failed_attempt=on_failed_attempt,
    )


@overload
def call_with_retry[T, E](  # type: ignore[overload-overlap]  # pyright: ignore[reportOverlappingOverload]
    fn: Callable[[], Result[T, E]],
    policy: RetryPolicy,
    /,
    *,
    sleeper: Sleeper = ...,
    jitter: RandomSource = ...,
    clock: Clock = ...,
    retry_on: RetryPredicate | None = ...,
    on_failed_attempt: RetryHook | None = ...,
) -> Result[T, E | SpineError]: ...
@overload
def call_with_retry[T](
    fn: Callable[[], T],
    policy: RetryPolicy,
    /,
    *,
    sleeper: Sleeper = ...,
    jitter: RandomSource = ...,
    clock: Clock = ...,
    retry_on: RetryPredicate | None = ...,
    on_failed_attempt: RetryHook | None = ...,
) -> Result[T, SpineError]: ...
def call_with_retry(
    fn: Callable[[], object],
    policy: RetryPolicy,
    /,
    *,
    sleeper: Sleeper = _SYSTEM_SLEEPER,
    jitter: RandomSource = _SYSTEM_RANDOM,
    clock: Clock = _SYSTEM_CLOCK,
    retry_on: RetryPredicate | None = None,
    on_failed_attempt: RetryHook | None = None,
) -> Result[object, object]:
    """Call ``fn`` (no arguments) under ``policy``; the result as :class:`Retrying` describes.

    >>> from spine.core.errors import ValidationError
    >>> def parse() -> int:
    ...     raise ValidationError("bad input")
    >>> call_with_retry(parse, RetryPolicy(max_attempts=5))  # not retryable: one call
    <Failure: bad input>
    """
    retrier = Retrying(
        policy,
        sleeper=sleeper,
        jitter=jitter,
        clock=clock,
        retry_on=retry_on,
        on_failed_attempt=on_failed_attempt,
    )
    return retrier.call(fn)
