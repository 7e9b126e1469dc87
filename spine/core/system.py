"""The real interpreters of the core's ports: the system clock, sleeping, and ULIDs.

This is an *edge* module: it reads the clock and the OS entropy pool. The pure modules
of ``spine.core`` never import it (import-linter checks that).
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from datetime import UTC, datetime
from typing import final

from spine.core.ids import ULID, next_ulid_value, successor, ulid_random_text, ulid_text

__all__ = ["SystemClock", "SystemIdSource", "SystemSleeper", "generate_ulid"]


@final
class SystemClock:
    """``Clock`` over ``datetime.now(UTC)`` and ``time.monotonic``."""

    __slots__ = ()

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()


@final
class SystemSleeper:
    """``Sleeper`` over ``time.sleep``."""

    __slots__ = ()

    def sleep(self, seconds: float, /) -> None:
        """Block the calling thread for ``seconds``; negative or non-finite is a ValueError.

        The same contract as ``spine.testing.FakeSleeper``: callers compute waits that are
        never negative, so a negative one is a bug to surface, not to round away.
        """
        if not math.isfinite(seconds) or seconds < 0:
            msg = f"cannot sleep a negative or non-finite time: {seconds}"
            raise ValueError(msg)
        time.sleep(seconds)


@final
class SystemIdSource:
    """``IdSource`` over the wall clock and ``os.urandom``; thread-safe, strictly increasing."""

    __slots__ = ("__weakref__", "_last", "_lock", "_time_text")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: int | None = None
        self._time_text: tuple[int, str] = (-1, "")
        """The last id's millisecond and its ten characters of text."""
        _LIVE_SOURCES.add(self)

    def new_ulid(self) -> ULID:
        """A ULID greater than every one this source gave before."""
        return ULID.from_bytes(self._next().to_bytes(16, "big"))

    def new_id(self) -> str:
        """The text form of :meth:`new_ulid` (without building a ``ULID`` object)."""
        value = self._next()
        ms, text = self._time_text
        if value >> 80 != ms:
            ms, text = self._time_text = (value >> 80, ulid_text(value)[:10])
        return text + ulid_random_text(value)

    def _next(self) -> int:
        now_ms = time.time_ns() // 1_000_000
        with self._lock:
            following = successor(self._last, now_ms)
            if following is None:  # entropy only when a fresh random part is needed
                following = next_ulid_value(self._last, now_ms, os.urandom(10))
            self._last = following
            return following

    def _forget(self) -> None:
        # A forked child must not continue its parent's sequence: within one millisecond
        # both would count up from the same id and hand out duplicates.
        self._lock = threading.Lock()
        self._last = None


_LIVE_SOURCES: weakref.WeakSet[SystemIdSource] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for source in list(_LIVE_SOURCES):
        source._forget()  # noqa: SLF001


os.register_at_fork(after_in_child=_after_fork_in_child)
_PROCESS_IDS = SystemIdSource()


def generate_ulid() -> str:
    """A new ULID string, strictly greater than every earlier one from this process.

    >>> a, b = generate_ulid(), generate_ulid()
    >>> len(a), a < b
    (26, True)
    """
    return _PROCESS_IDS.new_id()
