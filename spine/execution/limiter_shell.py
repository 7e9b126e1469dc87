"""The in-process rate limiter: per-key states of :mod:`spine.execution.limiter` behind a lock.

# Theory of operation
# -------------------
# ``RateLimiter`` holds one policy and a dict from key to state. ``try_acquire`` takes the lock,
# reads the clock, calls the pure ``take``, stores the state and lets go: the lock is held for
# a few hundred nanoseconds and never across a sleep. ``acquire`` (``acquire_blocking``) asks
# ``try_acquire``; on a denial it sleeps ``retry_after_s`` through the injected ``Sleeper``
# with no lock held, then asks again (another thread may have taken the units meanwhile).
# A denial whose wait ends past the deadline fails at once: other callers can only push the
# first grantable instant later, never earlier, so sleeping first would be pointless.
#
# Memory: a key's state is idle ``idle_horizon_s(policy)`` after its last take at the latest
# (it then decides like a key never seen), so every horizon the dict is swept of idle states.
# It holds at most the keys used within the last two horizons, and the sweep's cost is O(1)
# amortised over the calls that created those keys.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from typing import Final, Protocol, final, overload

from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import RateLimitedError, SpineError
from spine.execution.limiter import Granted, LimitPolicy, LimitState, idle_at, idle_horizon_s, take

__all__ = ["Limiter", "RateLimiter", "acquire_blocking", "limited"]

_OK: Final[Result[None, RateLimitedError]] = Success(None)


class Limiter[E: SpineError](Protocol):
    """Port: a keyed rate limiter (``RateLimiter`` in process, ``RedisLimiter`` across many)."""

    def try_acquire(self, key: str, n: int = 1) -> Result[None, E]:
        """Take ``n`` units for ``key`` now, or ``Err(RateLimitedError)`` with ``retry_after_s``."""
        ...

    def acquire(self, key: str, n: int = 1, *, timeout_s: float | None = None) -> Result[None, E]:
        """Take ``n`` units for ``key``, waiting up to ``timeout_s`` (None: as long as it takes)."""
        ...


@final
class RateLimiter:
    """Thread-safe, in-process, keyed rate limiter over a pure policy.

    >>> from spine.testing import FakeClock, FakeSleeper
    >>> from spine.execution.limiter import TokenBucket
    >>> clock = FakeClock()
    >>> policy = TokenBucket(capacity=1, refill_per_s=2.0)
    >>> limiter = RateLimiter(policy, clock=clock, sleeper=FakeSleeper(clock))
    >>> limiter.try_acquire("api")
    <Success: None>
    >>> limiter.try_acquire("api").failure().retry_after_s
    0.5
    >>> limiter.acquire("api"), clock.monotonic()
    (<Success: None>, 0.5)
    """

    __slots__ = ("_clock", "_horizon", "_lock", "_policy", "_sleeper", "_states", "_sweep_due")

    def __init__(self, policy: LimitPolicy, *, clock: Clock, sleeper: Sleeper) -> None:
        self._policy: Final = policy
        self._clock: Final = clock
        self._sleeper: Final = sleeper
        self._lock: Final = threading.Lock()
        self._states: dict[str, LimitState] = {}
        self._horizon: Final = idle_horizon_s(policy)
        self._sweep_due = clock.monotonic() + self._horizon

    @property
    def policy(self) -> LimitPolicy:
        """The policy every key is limited by."""
        return self._policy

    @property
    def tracked_keys(self) -> int:
        """How many keys have a state in memory (idle ones are swept every horizon)."""
        return len(self._states)

    def try_acquire(self, key: str, n: int = 1) -> Result[None, RateLimitedError]:
        """Take ``n`` units for ``key`` now, or ``Err(RateLimitedError)`` saying when to retry.

        ``n`` outside ``1..capacity`` is a ``ValueError``: it could never be granted.
        """
        with self._lock:
            now = self._clock.monotonic()
            states = self._states
            states[key], decision = take(self._policy, states.get(key), now, n)
            if now >= self._sweep_due:
                self._sweep(now)
        if isinstance(decision, Granted):
            return _OK
        return Failure(
            RateLimitedError(
                f"rate limit reached for {key!r}",
                retry_after_s=decision.retry_after_s,
                context={"key": key, "units": n},
            )
        )

    def acquire(
        self, key: str, n: int = 1, *, timeout_s: float | None = None
    ) -> Result[None, RateLimitedError]:
        """Take ``n`` units for ``key``, sleeping (with no lock held) until they are granted.

        Gives up with ``Err(RateLimitedError)`` as soon as the first grantable instant lies
        beyond ``timeout_s`` from now; ``None`` waits as long as it takes.
        """
        return acquire_blocking(
            lambda: self.try_acquire(key, n), clock=self._clock, sleeper=self._sleeper, timeout_s=timeout_s
        )

    def _sweep(self, now: float) -> None:
        policy = self._policy
        self._states = {key: state for key, state in self._states.items() if idle_at(policy, state) > now}
        self._sweep_due = now + self._horizon


def acquire_blocking[E: SpineError](
    attempt: Callable[[], Result[None, E]], *, clock: Clock, sleeper: Sleeper, timeout_s: float | None
) -> Result[None, E | RateLimitedError]:
    """Call ``attempt`` until it grants, sleeping each denial's ``retry_after_s`` in between.

    Any error other than a ``RateLimitedError`` with a ``retry_after_s`` (a Redis outage, say)
    is returned at once. Shared by every ``Limiter`` interpreter.

    >>> from spine.testing import FakeClock, FakeSleeper
    >>> clock = FakeClock(); sleeper = FakeSleeper(clock)
    >>> answers = iter([Failure(RateLimitedError("busy", retry_after_s=0.25)), Success(None)])
    >>> acquire_blocking(lambda: next(answers), clock=clock, sleeper=sleeper, timeout_s=1.0), sleeper.sleeps
    (<Success: None>, [0.25])
    """
    if timeout_s is not None and not (math.isfinite(timeout_s) and timeout_s >= 0):
        msg = f"timeout_s must be None or a finite number >= 0, got {timeout_s!r}"
        raise ValueError(msg)
    deadline = None if timeout_s is None else clock.monotonic() + timeout_s
    while True:
        outcome = attempt()
        if isinstance(outcome, Success):
            return outcome
        error = outcome.failure()
        wait = error.retry_after_s if isinstance(error, RateLimitedError) else None
        if wait is None:
            return outcome
        if deadline is not None and clock.monotonic() + wait > deadline:
            return Failure(
                RateLimitedError(
                    f"{error.message}: not granted within {timeout_s} s",
                    retry_after_s=wait,
                    context={**error.context, "timeout_s": timeout_s},
                )
            )
        sleeper.sleep(wait)


@overload
def limited[**P, T, E, L: SpineError](
    limiter: Limiter[L], key: str, *, n: int = 1, timeout_s: float | None = 0.0
) -> Callable[[Callable[P, Result[T, E]]], Callable[P, Result[T, E | L]]]: ...
@overload
def limited[**P, T, E, L: SpineError](
    limiter: Limiter[L], key: Callable[P, str], *, n: int = 1, timeout_s: float | None = 0.0
) -> Callable[[Callable[P, Result[T, E]]], Callable[P, Result[T, E | L]]]: ...
def limited[**P, T, E, L: SpineError](
    limiter: Limiter[L], key: str | Callable[P, str], *, n: int = 1, timeout_s: float | None = 0.0
) -> Callable[[Callable[P, Result[T, E]]], Callable[P, Result[T, E | L]]]:
    """Decorate a Result-returning function so each call first takes ``n`` units of ``key``.

    ``key`` may be a function of the call's arguments (one limit per user, say). With the
    default ``timeout_s=0.0`` a denied call returns the limiter's error without waiting;
    otherwise it waits as :meth:`Limiter.acquire` does. The function runs only when granted.

    >>> from spine.testing import FakeClock, FakeSleeper
    >>> from spine.execution.limiter import SlidingWindow
    >>> clock = FakeClock()
    >>> limiter = RateLimiter(SlidingWindow(limit=1, window_s=60.0), clock=clock, sleeper=FakeSleeper(clock))
    >>> @limited(limiter, "geocoder")
    ... def geocode(city: str) -> Result[str, SpineError]:
    ...     return Success(city.upper())
    >>> geocode("oslo"), type(geocode("oslo").failure()).__name__
    (<Success: OSLO>, 'RateLimitedError')
    """

    def decorate(func: Callable[P, Result[T, E]]) -> Callable[P, Result[T, E | L]]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Result[T, E | L]:
            name = key if isinstance(key, str) else key(*args, **kwargs)
            granted = (
                limiter.try_acquire(name, n)
                if timeout_s == 0
                else limiter.acquire(name, n, timeout_s=timeout_s)
            )
            if isinstance(granted, Success):
                return func(*args, **kwargs)
            return Failure(granted.failure())

        return wrapper

    return decorate
