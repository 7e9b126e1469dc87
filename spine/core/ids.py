"""Identifiers: ULIDs, typed id kinds, and the ``IdSource`` port.

# Theory of operation
# -------------------
# A ULID is 48 bits of Unix milliseconds followed by 80 bits of entropy; its 26-character
# Crockford text sorts like its bytes. ``next_ulid(previous, now_ms, entropy)`` is a pure
# transition that makes a process's ids *strictly increasing*:
#   - a later millisecond than the previous id's: fresh entropy;
#   - the same millisecond, or an earlier one (the wall clock stepped back): the previous
#     id's 80-bit random part plus one, at the previous id's timestamp;
#   - when the random part is exhausted: the next millisecond with fresh entropy.
# Nothing here reads a clock or draws randomness; ``spine.core.system`` feeds it both.
# python-ulid's own generator raises on same-millisecond exhaustion and restarts from
# fresh entropy when the clock steps back (so order breaks); this transition does neither.
"""

from __future__ import annotations

from typing import NewType, Protocol

from ulid import ULID

__all__ = [
    "ULID",
    "BatchId",
    "DeadLetterId",
    "EventId",
    "ExecutionId",
    "IdSource",
    "RunId",
    "StepId",
    "WorkId",
    "next_ulid",
]

RunId = NewType("RunId", str)
"""A workflow or work run."""
StepId = NewType("StepId", str)
"""One step execution within a run."""
ExecutionId = NewType("ExecutionId", str)
"""An execution context (lineage node)."""
BatchId = NewType("BatchId", str)
"""A batch of executions that belong together."""
EventId = NewType("EventId", str)
"""A ledger event."""
DeadLetterId = NewType("DeadLetterId", str)
"""A dead-lettered item."""
WorkId = NewType("WorkId", str)
"""A submitted work spec."""

_RANDOM_BITS = 80
_MAX_RANDOM = (1 << _RANDOM_BITS) - 1
_MAX_MS = (1 << 48) - 1
_ENTROPY_BYTES = _RANDOM_BITS // 8


def next_ulid(previous: ULID | None, now_ms: int, entropy: bytes) -> ULID:
    """The next id after ``previous`` at wall-clock ``now_ms``; strictly greater than it.

    ``entropy`` must be 10 bytes; it is used only when a fresh random part is needed.

    >>> a = next_ulid(None, 1_700_000_000_000, bytes(10))
    >>> b = next_ulid(a, 1_700_000_000_000, bytes(10))   # same millisecond
    >>> c = next_ulid(b, 1_699_999_999_000, bytes(10))   # the clock stepped back
    >>> a < b < c
    True
    """
    if len(entropy) != _ENTROPY_BYTES:
        msg = f"entropy must be {_ENTROPY_BYTES} bytes, got {len(entropy)}"
        raise ValueError(msg)
    if not 0 <= now_ms <= _MAX_MS:
        msg = f"now_ms out of the ULID range: {now_ms}"
        raise ValueError(msg)
    if previous is None or now_ms > previous.milliseconds:
        return _make(now_ms, int.from_bytes(entropy, "big"))
    ms = previous.milliseconds
    random = int.from_bytes(previous.bytes[6:], "big")
    if random < _MAX_RANDOM:
        return _make(ms, random + 1)
    if ms == _MAX_MS:
        msg = "ULID space exhausted"
        raise OverflowError(msg)
    return _make(ms + 1, int.from_bytes(entropy, "big"))


def _make(ms: int, random: int) -> ULID:
    return ULID.from_bytes(ms.to_bytes(6, "big") + random.to_bytes(_ENTROPY_BYTES, "big"))


class IdSource(Protocol):
    """Port: where new ids come from. ``SystemIdSource`` for real, deterministic in tests."""

    def new_ulid(self) -> ULID:
        """A new id, greater than every id this source gave before."""
        ...

    def new_id(self) -> str:
        """``str(self.new_ulid())``: the 26-character text form, wrap it in a typed id."""
        ...
