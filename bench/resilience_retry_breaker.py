"""Retry and circuit breaker: per-call overhead on the success path, against tenacity and pybreaker.

Overhead = (wrapped call) - (bare call), each the best of many short rounds, interleaved,
in one process, so the numbers compare with each other even on a busy machine.

- retry: ``@retrying(policy)`` vs ``@tenacity.retry(stop=..., wait=...)`` around a function
  that returns a plain value (spine then returns ``Ok(value)``: that allocation is counted),
  and around a ``Result``-returning function (tenacity: ``retry_if_result``).
- breaker: ``CircuitBreaker`` in each window mode vs ``pybreaker.CircuitBreaker`` (consecutive
  failures, its only mode) around a plain function, and around a ``Result`` function. A
  success reads no clock and takes no lock in consecutive mode (the state is quiet); in a
  sliding window it is counted in place (``breaker_live``).
- windows: the cost of recording one call the pure way (``record``: what the breaker does
  for a failure, or a success the live window leaves to it) in a count window of 100 vs
  10,000 calls and a time window of 60 s vs 3,600 s (constant per call: nothing is scanned).

Goals (issue): retry <= 1 us overhead per call, breaker <= 0.8 us.
Run: ``.venv/bin/python bench/resilience_retry_breaker.py``
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import pybreaker
import tenacity
from returns.result import Failure, Result, Success

from spine.core.errors import SpineError
from spine.core.fast_ok import ok
from spine.execution.breaker_policy import BreakerPolicy, SlidingWindowType
from spine.execution.breaker_shell import CircuitBreaker
from spine.execution.breaker_window import CountWindow, TimeWindow, Window, record
from spine.execution.retry import RetryPolicy
from spine.execution.retry_shell import retrying

ROUNDS = 40
CALLS = 20_000


def best_us(func: Callable[[], object], number: int = CALLS) -> float:
    """The fastest of ``ROUNDS`` rounds, in microseconds per call."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6


def overheads_us(bare: Callable[[int], object], *wrapped: tuple[Callable[[int], object], int]) -> list[float]:
    """Per-call overhead of each ``(function, calls per round)`` over ``bare``.

    Every round times ``bare`` and each wrapped function back to back, so that all of them
    see the same machine; each keeps its fastest round.
    """
    funcs = [(bare, CALLS), *wrapped]
    best = [float("inf")] * len(funcs)
    for _ in range(ROUNDS):
        for i, (func, number) in enumerate(funcs):
            start = time.perf_counter()
            for _ in range(number):
                func(1)
            best[i] = min(best[i], (time.perf_counter() - start) / number * 1e6)
    return [b - best[0] for b in best[1:]]


def plain(x: int) -> int:
    return x


OK: Result[int, SpineError] = Success(1)


def as_result(x: int) -> Result[int, SpineError]:
    return OK


def main() -> int:
    rows: list[tuple[str, float, str, float]] = []

    policy = RetryPolicy(max_attempts=3, base_s=0.1, max_delay_s=30.0)
    peer_wait = tenacity.wait_exponential_jitter(multiplier=0.1, max=30.0)
    peer_stop = tenacity.stop_after_attempt(3)
    peer_plain = tenacity.retry(stop=peer_stop, wait=peer_wait, reraise=True)(plain)
    peer_result = tenacity.retry(
        stop=peer_stop, wait=peer_wait, retry=tenacity.retry_if_result(lambda r: isinstance(r, Failure))
    )(as_result)
    ours, peer = overheads_us(plain, (retrying(policy)(plain), CALLS), (peer_plain, CALLS // 20))
    rows.append(("retry, plain function", ours, "tenacity.retry", peer))
    ours, peer = overheads_us(as_result, (retrying(policy)(as_result), CALLS), (peer_result, CALLS // 20))
    rows.append(("retry, Result function", ours, "tenacity + retry_if_result", peer))

    peer_breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)(plain)
    for mode in SlidingWindowType:
        breaker = CircuitBreaker(BreakerPolicy(sliding_window_type=mode))
        ours, ours_result, peer = overheads_us(
            plain, (breaker(plain), CALLS), (breaker(as_result), CALLS), (peer_breaker, CALLS // 4)
        )
        rows.append((f"breaker {mode.value}, plain", ours, "pybreaker (consecutive)", peer))
        rows.append((f"breaker {mode.value}, Result", ours_result, "pybreaker (consecutive)", peer))
    ok_us = best_us(lambda: ok(1)) - best_us(lambda: 1)

    print(f"{'spine (overhead per call)':<30}{'us':>8}   {'peer':<28}{'us':>8}{'ratio':>8}")
    for name, ours, peer_name, peer in rows:
        print(f"{name:<30}{ours:>8.2f}   {peer_name:<28}{peer:>8.2f}{ours / peer:>7.2f}x")
    print(f"(a plain function's overhead includes building Ok(value): {ok_us:.2f} us)")
    print(f"\n{'recording one call (us)':<34}{'same second':>12}{'next second':>12}")
    windows: list[tuple[str, Window]] = [
        ("count window, 100 calls", CountWindow(100)),
        ("count window, 10,000 calls", CountWindow(10_000)),
        ("time window, 60 s", TimeWindow(60)),
        ("time window, 3,600 s", TimeWindow(3_600)),
    ]
    for name, empty in windows:
        window = empty
        for i in range(20_000):  # a full window: every new call evicts one (count) or a second
            window = record(window, i * 0.25, failed=i % 3 == 0, slow=False)
        now = 20_000 * 0.25
        same = best_us(functools.partial(record, window, now - 0.25, failed=True, slow=False))
        later = best_us(functools.partial(record, window, now, failed=True, slow=False))
        print(f"{name:<34}{same:>12.2f}{later if isinstance(window, TimeWindow) else same:>12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
