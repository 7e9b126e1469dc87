"""Rate limiter speed: ``RateLimiter.try_acquire`` vs ``limits``, as ratios from the same run.

The peer is ``limits``' moving window on ``MemoryStorage`` (an exact log: one entry per hit),
and, for reference, its sliding-window counter (the same approximation as ours). Each is
measured on an empty key and on a key already holding 100,000 grants in its window, with a
limit no call reaches, so every call is a grant. Contenders take turns, round by round, and
each reports its best round, so a busy machine hurts them alike.

Run: ``.venv/bin/python bench/resilience_limiter.py [ROUNDS]``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from limits import RateLimitItemPerHour
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from spine.core.system import SystemClock, SystemSleeper
from spine.execution.limiter import LimitPolicy, SlidingWindow, TokenBucket, take
from spine.execution.limiter_shell import RateLimiter

FULL = 100_000
CALLS = 2_000
HUGE = 10**9

type Setup = Callable[[int], Callable[[], object]]
"""Given how many grants to preload, a fresh zero-argument call to time."""


def ours(policy: LimitPolicy) -> Setup:
    def setup(preload: int) -> Callable[[], object]:
        limiter = RateLimiter(policy, clock=SystemClock(), sleeper=SystemSleeper())
        for _ in range(preload):
            limiter.try_acquire("key")
        return lambda: limiter.try_acquire("key")

    return setup


def pure(policy: LimitPolicy) -> Setup:
    # ``take`` keeps no state: time it on the state a run of grants leaves (one, when "empty").
    def setup(preload: int) -> Callable[[], object]:
        state, _ = take(policy, None, 0.0)
        for i in range(1, preload):
            state, _ = take(policy, state, i * 1e-6)
        return lambda: take(policy, state, 1.0)

    return setup


def peer(strategy: type[MovingWindowRateLimiter | SlidingWindowCounterRateLimiter]) -> Setup:
    item = RateLimitItemPerHour(HUGE)

    def setup(preload: int) -> Callable[[], object]:
        limiter = strategy(MemoryStorage())
        for _ in range(preload):
            limiter.hit(item, "key")
        return lambda: limiter.hit(item, "key")

    return setup


def per_call_us(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(CALLS):
        call()
    return (time.perf_counter() - started) / CALLS * 1e6


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    bucket = TokenBucket(capacity=HUGE, refill_per_s=1.0)
    window = SlidingWindow(limit=HUGE, window_s=3600.0)
    contenders: dict[str, Setup] = {
        "spine RateLimiter, sliding window": ours(window),
        "spine RateLimiter, token bucket": ours(bucket),
        "spine take() alone, sliding window": pure(window),
        "limits moving window (peer)": peer(MovingWindowRateLimiter),
        "limits sliding window counter": peer(SlidingWindowCounterRateLimiter),
    }
    # Loaded once; an empty one is made afresh every round (timing it fills it).
    loaded = {name: setup(FULL) for name, setup in contenders.items()}
    best = {(name, n): float("inf") for name in contenders for n in (0, FULL)}
    for _ in range(rounds):
        for name, setup in contenders.items():
            best[name, 0] = min(best[name, 0], per_call_us(setup(0)))
            best[name, FULL] = min(best[name, FULL], per_call_us(loaded[name]))
    base_empty, base_full = best["limits moving window (peer)", 0], best["limits moving window (peer)", FULL]
    print(f"try_acquire, µs per call (best of {rounds} rounds of {CALLS:,} calls); ratio = peer / ours")
    print(f"{'contender':<38}{'empty':>9}{'100k':>10}{'100k/empty':>12}{'ratio':>9}{'ratio 100k':>12}")
    for name in contenders:
        empty, full = best[name, 0], best[name, FULL]
        print(
            f"{name:<38}{empty:>9.2f}{full:>10.2f}{full / empty:>11.2f}x"
            f"{base_empty / empty:>8.1f}x{base_full / full:>11.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
