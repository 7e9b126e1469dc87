"""Ports for time: the core never reads a clock or sleeps; it is handed one of these."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["Clock", "Sleeper"]


class Clock(Protocol):
    """Port: the current time. ``SystemClock`` for real, ``spine.testing.FakeClock`` in tests."""

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for durations and deadlines)."""
        ...


class Sleeper(Protocol):
    """Port: waiting. A fake one advances a fake clock instead of blocking."""

    def sleep(self, seconds: float, /) -> None:
        """Block for ``seconds`` (>= 0)."""
        ...
