"""Rate limits as pure state machines: a token bucket and a sliding-window counter.

# Theory of operation
# -------------------
# ``take(policy, state, now, n)`` returns the next state and a decision, ``Granted()`` or
# ``Denied(retry_after_s)``. A state (``None`` for a key never seen) is a few numbers and every
# call O(1), however many grants the window holds. ``now`` is handed in: no clock is read here.
#
# Token bucket, kept as the instant the bucket is full again (``full_at``; GCRA's "theoretical
# arrival time"): tokens(now) = capacity - max(0, full_at - now) * refill_per_s. Taking n
# needs tokens >= n and moves full_at to max(full_at, now) + n / refill_per_s. It is exact:
# over any interval of length t at most capacity + refill_per_s * t units are granted.
#
# Sliding window, as the weighted counter of two aligned fixed windows (index =
# floor(now / window_s)): used(now) = previous * (1 - elapsed / window_s) + current. Taking n
# needs used + n <= limit. It assumes the previous window's grants were spread evenly, so it is
# an approximation of the exact sliding log, bounded both ways:
#   - exact per fixed window: no aligned window ever holds more than ``limit`` units;
#   - in any sliding window of length window_s at most ``limit + previous * elapsed /
#     window_s`` units (as seen at its last grant), so under ``2 * limit``; the worst case is a
#     burst at the very end of one fixed window, then steady traffic through the next;
#   - never stricter than both fixed windows together: previous + current + n <= limit grants.
# used(now) is continuous and never increases without a grant, so a denial's wait is the
# first instant ``take`` would grant; ``retry_after_s`` is that instant, settled to the float
# for which ``take(policy, state, now + retry_after_s, n)`` grants (it is exact, not rounded).
#
# A state is *idle* from ``idle_at(policy, state)`` on: it then decides exactly like ``None``,
# so a keyed store may drop it, holding only keys used within ``idle_horizon_s(policy)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import floor
from typing import Final, overload

import msgspec

__all__ = [
    "BucketState",
    "Decision",
    "Denied",
    "Granted",
    "LimitPolicy",
    "LimitState",
    "SlidingWindow",
    "TokenBucket",
    "WindowState",
    "check_cost",
    "idle_at",
    "idle_horizon_s",
    "take",
]


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        msg = f"{name} must be a finite number > 0, got {value!r}"
        raise ValueError(msg)


class TokenBucket(msgspec.Struct, frozen=True, kw_only=True):
    """Policy: bursts of up to ``capacity`` units, refilled continuously at ``refill_per_s``.

    >>> TokenBucket(capacity=10, refill_per_s=2.0)
    TokenBucket(capacity=10, refill_per_s=2.0)
    """

    capacity: int
    refill_per_s: float

    def __post_init__(self) -> None:
        _positive("capacity", self.capacity)
        _positive("refill_per_s", self.refill_per_s)


class SlidingWindow(msgspec.Struct, frozen=True, kw_only=True):
    """Policy: about ``limit`` units per ``window_s`` seconds (weighted two-window counter).

    >>> SlidingWindow(limit=100, window_s=60.0)
    SlidingWindow(limit=100, window_s=60.0)
    """

    limit: int
    window_s: float

    def __post_init__(self) -> None:
        _positive("limit", self.limit)
        _positive("window_s", self.window_s)


class BucketState(msgspec.Struct, frozen=True, gc=False):
    """A token bucket's state: the instant it is full again (in the past: full now)."""

    full_at: float


class WindowState(msgspec.Struct, frozen=True, gc=False):
    """A sliding window's state: units granted in fixed window ``index`` and the one before."""

    index: int
    previous: int
    current: int


class Granted(msgspec.Struct, frozen=True, tag=True):
    """Decision: the units were taken."""


class Denied(msgspec.Struct, frozen=True, tag=True):
    """Decision: not now; ``take`` grants the same request ``retry_after_s`` seconds later."""

    retry_after_s: float


type LimitPolicy = TokenBucket | SlidingWindow
type LimitState = BucketState | WindowState
type Decision = Granted | Denied

_GRANTED: Final = Granted()


def check_cost(policy: LimitPolicy, n: int) -> None:
    """Raise ``ValueError`` unless ``1 <= n <= capacity``: a bigger request is never grantable.

    >>> check_cost(TokenBucket(capacity=5, refill_per_s=1.0), 6)
    Traceback (most recent call last):
    ...
    ValueError: cannot take 6 units: the policy's capacity is 5, so it would never be granted
    """
    capacity = policy.capacity if isinstance(policy, TokenBucket) else policy.limit
    if n < 1:
        msg = f"cannot take {n} units: take at least 1"
        raise ValueError(msg)
    if n > capacity:
        msg = f"cannot take {n} units: the policy's capacity is {capacity}, so it would never be granted"
        raise ValueError(msg)


@overload
def take(
    policy: TokenBucket, state: BucketState | None, now: float, n: int = 1
) -> tuple[BucketState, Decision]: ...
@overload
def take(
    policy: SlidingWindow, state: WindowState | None, now: float, n: int = 1
) -> tuple[WindowState, Decision]: ...
@overload
def take(
    policy: LimitPolicy, state: LimitState | None, now: float, n: int = 1
) -> tuple[LimitState, Decision]: ...
def take(  # noqa: PLR0911, PLR0912 - grant paths inlined: this runs on every request
    policy: LimitPolicy, state: LimitState | None, now: float, n: int = 1
) -> tuple[LimitState, Decision]:
    """Take ``n`` units at ``now``: the next state and whether they were granted.

    ``state`` is ``None`` for a key never seen (or dropped as idle). A denial leaves the state
    as it was (``take`` at ``now + retry_after_s`` grants). ``n`` outside
    ``1..capacity`` is a ``ValueError`` (see :func:`check_cost`).

    >>> policy = TokenBucket(capacity=2, refill_per_s=4.0)
    >>> s, d = take(policy, None, 0.0, 2); d
    Granted()
    >>> take(policy, s, 0.0)[1]
    Denied(retry_after_s=0.25)
    >>> window = SlidingWindow(limit=4, window_s=10.0)
    >>> s, d = take(window, None, 5.0, 4); s, d
    (WindowState(index=0, previous=0, current=4), Granted())
    >>> take(window, s, 12.5)[1]        # previous 4 weighted by 0.75 is 3: room for 1
    Granted()
    """
    # The grant paths are inlined here: this runs on every call of every limiter.
    if isinstance(policy, TokenBucket):
        if not 0 < n <= policy.capacity:
            check_cost(policy, n)
        if state is None:
            return BucketState(now + n / policy.refill_per_s), _GRANTED
        if isinstance(state, BucketState):
            full_at = state.full_at
            if full_at <= now:
                return BucketState(now + n / policy.refill_per_s), _GRANTED
            rate = policy.refill_per_s
            if full_at - now <= (policy.capacity - n) / rate:
                return BucketState(full_at + n / rate), _GRANTED
            return state, _bucket_denial(policy, full_at, now, n)
    else:
        if not 0 < n <= policy.limit:
            check_cost(policy, n)
        width = policy.window_s
        index = floor(now / width)
        if state is None:
            return WindowState(index, 0, n), _GRANTED
        if isinstance(state, WindowState):
            gap = index - state.index
            if gap == 0:
                previous, current = state.previous, state.current
            elif gap == 1:
                previous, current = state.current, 0
            elif gap > 1:
                previous = current = 0
            else:  # the clock went back: stay in the stored window (see _fits)
                index, previous, current = state.index, state.previous, state.current
            used: float = current + n
            if previous:
                used += previous * (1.0 - max(now - index * width, 0.0) / width)
            if used <= policy.limit:
                return WindowState(index, previous, current + n), _GRANTED
            return state, _window_denial(policy, WindowState(index, previous, current), now, n)
    msg = f"{type(state).__name__} is not a state of {type(policy).__name__}"
    raise TypeError(msg)


def idle_at(policy: LimitPolicy, state: LimitState) -> float:
    """The instant from which ``state`` decides exactly like a fresh key (and may be dropped).

    >>> idle_at(TokenBucket(capacity=4, refill_per_s=1.0), BucketState(full_at=3.5))
    3.5
    >>> idle_at(SlidingWindow(limit=4, window_s=10.0), WindowState(index=2, previous=1, current=3))
    40.0
    """
    if isinstance(policy, TokenBucket) and isinstance(state, BucketState):
        return state.full_at
    if isinstance(policy, SlidingWindow) and isinstance(state, WindowState):
        # The first float in window index + 2 (the product may round just below it).
        width, gone = policy.window_s, state.index + 2
        instant = gone * width
        while floor(instant / width) < gone:
            instant = math.nextafter(instant, math.inf)
        return instant
    msg = f"{type(state).__name__} is not a state of {type(policy).__name__}"
    raise TypeError(msg)


def idle_horizon_s(policy: LimitPolicy) -> float:
    """The longest a state stays non-idle after its last take: a keyed store's sweep period.

    >>> idle_horizon_s(TokenBucket(capacity=10, refill_per_s=2.0))
    5.0
    >>> idle_horizon_s(SlidingWindow(limit=10, window_s=60.0))
    120.0
    """
    if isinstance(policy, TokenBucket):
        return policy.capacity / policy.refill_per_s
    return 2.0 * policy.window_s


def _bucket_denial(policy: TokenBucket, full_at: float, now: float, n: int) -> Denied:
    slack = (policy.capacity - n) / policy.refill_per_s  # how far full_at may run ahead of now
    return Denied(_settle(lambda t: max(full_at, t) - t <= slack, now, full_at - slack))


def _window_denial(policy: SlidingWindow, here: WindowState, now: float, n: int) -> Denied:
    limit, width = policy.limit, policy.window_s
    start = here.index * width
    if here.current + n <= limit:  # the previous window's weight must fade: previous > 0 here
        ready = start + width * (1.0 - (limit - n - here.current) / here.previous)
    else:  # wait for the next window, where current becomes the faded one (> limit - n >= 0)
        ready = start + width + width * (1.0 - (limit - n) / here.current)
    return Denied(_settle(lambda t: _fits(_align(here, t, width), t, width, n, limit), now, ready))


def _align(state: WindowState, now: float, width: float) -> WindowState:
    """``state`` as seen from the fixed window holding ``now`` (a clock gone back: its own)."""
    index = floor(now / width)
    gap = index - state.index
    if gap <= 0:
        return state
    if gap == 1:
        return WindowState(index, state.current, 0)
    return WindowState(index, 0, 0)


def _fits(state: WindowState, now: float, width: float, n: int, limit: int) -> bool:
    # The same arithmetic, in the same order, as take's grant path and the Redis script: a
    # denial's wait must land exactly where take grants.
    used: float = state.current + n
    if state.previous:
        # A clock gone back into an earlier window counts from the stored window's start.
        used += state.previous * (1.0 - max(now - state.index * width, 0.0) / width)
    return used <= limit


def _settle(grants: Callable[[float], bool], now: float, ready: float) -> float:
    """The float wait from ``now`` at which ``grants`` first holds, starting at ``ready``.

    ``ready`` is exact in real numbers; rounding may leave it a few ulps short, so step up
    until it grants, then make sure ``now + wait`` lands on it (not an ulp below).
    """
    step = math.ulp(ready)
    for _ in range(64):  # a few steps at most, unless the arithmetic above is broken
        if grants(ready):
            wait = max(ready - now, 0.0)
            while now + wait < ready:
                wait = math.nextafter(wait, math.inf)
            return wait
        ready += step
        step *= 2.0
    msg = f"no grant near t={ready!r}: the limiter's arithmetic is broken"  # pragma: no cover
    raise AssertionError(msg)  # pragma: no cover
