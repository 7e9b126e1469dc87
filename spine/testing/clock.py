"""A clock that moves only when told to, and a sleeper that moves it instead of blocking."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from typing import final

__all__ = ["FakeClock", "FakeSleeper"]

_EPOCH = datetime(2025, 1, 3, tzinfo=UTC)


@final
class FakeClock:
    """``Clock`` whose time changes only through :meth:`advance` and :meth:`set`.

    >>> clock = FakeClock()
    >>> t0 = clock.now()
    >>> clock.advance(1.5)
    >>> (clock.now() - t0).total_seconds(), clock.monotonic()
    (1.5, 1.5)
    """

    __slots__ = ("_lock", "_monotonic", "_now")

    def __init__(self, start: datetime = _EPOCH) -> None:
        if start.tzinfo is None or start.utcoffset() != timedelta(0):
            msg = f"FakeClock starts at a timezone-aware UTC datetime, got {start.isoformat()}"
            raise ValueError(msg)
        self._lock = threading.Lock()
        self._now = start
        self._monotonic = 0.0

    def now(self) -> datetime:
        """The fake wall-clock time (UTC)."""
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        """Seconds advanced since construction."""
        with self._lock:
            return self._monotonic

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds`` (finite, >= 0)."""
        if not math.isfinite(seconds) or seconds < 0:
            msg = f"a clock only moves forward by a finite time: advance({seconds})"
            raise ValueError(msg)
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._monotonic += seconds

    def set(self, now: datetime) -> None:
        """Jump the wall clock to ``now`` (either way, as a real one may); monotonic is kept."""
        if now.tzinfo is None or now.utcoffset() != timedelta(0):
            msg = f"FakeClock.set takes a timezone-aware UTC datetime, got {now.isoformat()}"
            raise ValueError(msg)
        with self._lock:
            self._now = now


@final
class FakeSleeper:
    """``Sleeper`` that advances a ``FakeClock`` and records each requested sleep.

    >>> clock = FakeClock(); sleeper = FakeSleeper(clock)
    >>> sleeper.sleep(2.0); sleeper.sleeps, clock.monotonic()
    ([2.0], 2.0)
    """

    __slots__ = ("_clock", "sleeps")

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self.sleeps: list[float] = []

    def sleep(self, seconds: float, /) -> None:
        """Record ``seconds`` and advance the clock by it."""
        # Checked before recording: a refused sleep must not appear in ``sleeps``.
        if not math.isfinite(seconds) or seconds < 0:
            msg = f"cannot sleep a negative or non-finite time: {seconds}"
            raise ValueError(msg)
        self.sleeps.append(seconds)
        self._clock.advance(seconds)
