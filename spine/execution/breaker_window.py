"""What a closed circuit breaker remembers: consecutive failures, or a sliding window.

# Theory of operation
# -------------------
# Three windows, each a frozen value; recording a call builds the next value without
# scanning or copying the window:
#   Consecutive  the failures since the last success (a success resets it to 0).
#   CountWindow  the last ``size`` calls, as a ring of ``size`` slots. A slot is one bit in
#                each of two integers (failed, slow); ``head`` is the next slot to write. A
#                call that lands on an occupied slot evicts the call recorded there from
#                the running totals. The integers never grow past ``size`` bits: an update
#                is a few C-level big-integer operations (100 -> 10,000 slots costs about
#                0.2 us more per call, see bench/resilience_retry_breaker.py).
#   TimeWindow   the calls of the last ``size`` whole seconds, bucketed per epoch second as
#                resilience4j does. The current second's counters live in the value itself;
#                finished seconds wait in a persistent FIFO of buckets (two linked lists of
#                frozen links, the immutable stand-in for a ring buffer). When the second
#                changes, the head is pushed and the buckets that slid out are popped and
#                subtracted. Each bucket is pushed once and popped once: O(1) amortised per
#                call, however long the window and however sparse the calls.
# Totals (calls, failures, slow) are kept exact, so rates cost nothing to read. A clock
# read a little late (an earlier second than the head's) counts in the head.
"""

from __future__ import annotations

import math

import msgspec

__all__ = ["Bucket", "Consecutive", "CountWindow", "Link", "TimeWindow", "Window", "record"]


class Consecutive(msgspec.Struct, frozen=True, tag=True):
    """Failures in a row since the last success."""

    failures: int = 0


class CountWindow(msgspec.Struct, frozen=True, tag=True):
    """The last ``size`` calls: a ring of outcome bits plus running totals.

    >>> w = CountWindow(size=2)
    >>> for failed, slow in [(True, False), (False, False), (False, True)]:
    ...     w = record(w, 0.0, failed=failed, slow=slow)
    >>> (w.calls, w.failures, w.slow)
    (2, 0, 1)
    """

    size: int
    calls: int = 0
    failures: int = 0
    slow: int = 0
    head: int = 0
    failed_bits: int = 0
    slow_bits: int = 0


class Bucket(msgspec.Struct, frozen=True, array_like=True):
    """The calls of one finished second."""

    second: int
    calls: int
    failures: int
    slow: int


class Link(msgspec.Struct, frozen=True, array_like=True):
    """One cell of a persistent singly linked list of buckets."""

    bucket: Bucket
    rest: Link | None = None


class TimeWindow(msgspec.Struct, frozen=True, tag=True):
    """The calls of the last ``size`` seconds: the head second plus a FIFO of older ones.

    >>> w = TimeWindow(size=2)
    >>> w = record(record(w, 10.2, failed=True, slow=False), 11.5, failed=False, slow=False)
    >>> (w.calls, w.failures), record(w, 12.0, failed=False, slow=False).failures
    ((2, 1), 0)
    """

    size: int
    calls: int = 0
    failures: int = 0
    slow: int = 0
    second: int | None = None
    """The head's epoch second; None before the first call."""
    head_calls: int = 0
    head_failures: int = 0
    head_slow: int = 0
    oldest: Link | None = None
    """Finished buckets, oldest first."""
    newest: Link | None = None
    """Finished buckets not yet moved to ``oldest``, newest first."""


type Window = Consecutive | CountWindow | TimeWindow


def record(window: Window, now: float, *, failed: bool, slow: bool) -> Window:
    """``window`` with one more call recorded at ``now``.

    >>> record(Consecutive(2), 0.0, failed=True, slow=False)
    Consecutive(failures=3)
    >>> record(Consecutive(2), 0.0, failed=False, slow=True)
    Consecutive(failures=0)
    """
    if type(window) is CountWindow:
        return _record_count(window, failed, slow)
    if type(window) is Consecutive:
        if failed:
            return Consecutive(window.failures + 1)
        return window if window.failures == 0 else _NO_FAILURES
    assert isinstance(window, TimeWindow)
    return _record_time(window, now, failed, slow)


_NO_FAILURES = Consecutive(0)


def _record_count(w: CountWindow, failed: bool, slow: bool) -> CountWindow:  # noqa: FBT001 - private
    bit = 1 << w.head
    failed_bits, slow_bits = w.failed_bits, w.slow_bits
    calls, failures, slow_calls = w.calls, w.failures, w.slow
    if calls == w.size:  # the slot holds the oldest call, which this one replaces
        was_failed = (failed_bits & bit) != 0 if failed_bits else False
        was_slow = (slow_bits & bit) != 0 if slow_bits else False
    else:
        was_failed = was_slow = False
        calls += 1
    # A bit is flipped only when the outcome differs from the one it replaces: a success
    # replacing a success touches no big integer at all.
    if failed is not was_failed:
        failed_bits ^= bit
        failures += 1 if failed else -1
    if slow is not was_slow:
        slow_bits ^= bit
        slow_calls += 1 if slow else -1
    head = w.head + 1
    return CountWindow(
        w.size, calls, failures, slow_calls, head if head < w.size else 0, failed_bits, slow_bits
    )


def _record_time(w: TimeWindow, now: float, failed: bool, slow: bool) -> TimeWindow:  # noqa: FBT001 - private
    second = math.floor(now)
    if w.second is None or second > w.second:
        w = _roll(w, second)
    return TimeWindow(
        w.size,
        w.calls + 1,
        w.failures + failed,
        w.slow + slow,
        w.second,
        w.head_calls + 1,
        w.head_failures + failed,
        w.head_slow + slow,
        w.oldest,
        w.newest,
    )


def _roll(w: TimeWindow, second: int) -> TimeWindow:
    """Move the head to ``second``: push the old head, pop the buckets that slid out."""
    oldest, newest = w.oldest, w.newest
    if w.second is not None and w.head_calls:
        newest = Link(Bucket(w.second, w.head_calls, w.head_failures, w.head_slow), newest)
    calls, failures, slow = w.calls, w.failures, w.slow
    horizon = second - w.size  # buckets at or before this second are out of the window
    while True:
        if oldest is None:
            if newest is None:
                break
            oldest, newest = _reversed(newest), None
        bucket = oldest.bucket
        if bucket.second > horizon:
            break
        calls, failures, slow = calls - bucket.calls, failures - bucket.failures, slow - bucket.slow
        oldest = oldest.rest
    return TimeWindow(w.size, calls, failures, slow, second, oldest=oldest, newest=newest)


def _reversed(links: Link) -> Link:
    out: Link | None = None
    cell: Link | None = links
    while cell is not None:
        out, cell = Link(cell.bucket, out), cell.rest
    assert out is not None
    return out
