"""A deterministic ``IdSource``: the same sequence of ULIDs on every run."""

from __future__ import annotations

import threading
from typing import final

from spine.core.ids import ULID, next_ulid

__all__ = ["SequentialIdSource"]

_START_MS = 1_735_862_400_000  # 2025-01-03T00:00:00Z


@final
class SequentialIdSource:
    """``IdSource`` that counts up from a fixed millisecond with zero entropy.

    >>> ids = SequentialIdSource()
    >>> a, b = ids.new_id(), ids.new_id()
    >>> a < b, a == SequentialIdSource().new_id()
    (True, True)
    """

    __slots__ = ("_last", "_lock", "_ms", "_step_ms")

    def __init__(self, *, start_ms: int = _START_MS, step_ms: int = 0) -> None:
        if step_ms < 0:
            msg = f"step_ms must be >= 0, got {step_ms}"
            raise ValueError(msg)
        self._lock = threading.Lock()
        self._ms = start_ms
        self._step_ms = step_ms
        self._last: ULID | None = None

    def new_ulid(self) -> ULID:
        """The next id: ``step_ms`` later, or +1 in the same millisecond when step is 0."""
        with self._lock:
            self._last = next_ulid(self._last, self._ms, bytes(10))
            self._ms += self._step_ms
            return self._last

    def new_id(self) -> str:
        """The text form of :meth:`new_ulid`."""
        return str(self.new_ulid())
