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
    "next_ulid_value",
    "successor",
    "ulid_random_text",
    "ulid_text",
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
    value = next_ulid_value(None if previous is None else int(previous), now_ms, entropy)
    return ULID.from_bytes(value.to_bytes(16, "big"))


def next_ulid_value(previous: int | None, now_ms: int, entropy: bytes) -> int:
    """:func:`next_ulid` on the 128-bit integer form (what the hot path keeps).

    >>> next_ulid_value(5 << 80, 5, bytes(10)) == (5 << 80) + 1
    True
    """
    if len(entropy) != _ENTROPY_BYTES:
        msg = f"entropy must be {_ENTROPY_BYTES} bytes, got {len(entropy)}"
        raise ValueError(msg)
    if not 0 <= now_ms <= _MAX_MS:
        msg = f"now_ms out of the ULID range: {now_ms}"
        raise ValueError(msg)
    following = successor(previous, now_ms)
    if following is not None:
        return following
    if previous is None or now_ms > previous >> _RANDOM_BITS:
        return (now_ms << _RANDOM_BITS) | int.from_bytes(entropy, "big")
    ms = previous >> _RANDOM_BITS
    if ms == _MAX_MS:
        msg = "ULID space exhausted"
        raise OverflowError(msg)
    return ((ms + 1) << _RANDOM_BITS) | int.from_bytes(entropy, "big")


def successor(previous: int | None, now_ms: int) -> int | None:
    """:func:`next_ulid_value` when it needs no entropy (``previous + 1``), else ``None``.

    A source asks this first and draws entropy only when the answer is ``None``.

    >>> successor(5 << 80, 5), successor(5 << 80, 6), successor(None, 5)
    (6044629098073145873530881, None, None)
    """
    if previous is None or now_ms > previous >> _RANDOM_BITS or previous & _MAX_RANDOM == _MAX_RANDOM:
        return None
    return previous + 1


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two symbols per 10 bits: 13 table look-ups encode the 130-bit (2 zero bits + 128) value.
# base64.b32encode is pure Python on 3.12 and twice as slow even with a translate table.
_PAIRS = tuple(_CROCKFORD[i >> 5] + _CROCKFORD[i & 31] for i in range(1024))
_SHIFTS = tuple(range(120, -1, -10))
_RANDOM_SHIFTS = _SHIFTS[5:]  # the first five pairs are the 48-bit time (and two zero bits)


def ulid_text(value: int, /) -> str:
    """The 26-character Crockford base32 text of a 128-bit ULID value.

    >>> ulid_text(0), ulid_text((1 << 128) - 1)
    ('00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ')
    """
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


def ulid_random_text(value: int, /) -> str:
    """The last 16 characters of :func:`ulid_text`: the 80-bit random part alone.

    The first ten encode the millisecond, so a source may keep them while it does not change.

    >>> v = (1_700_000_000_000 << 80) | 12345
    >>> ulid_text(v) == ulid_text(v)[:10] + ulid_random_text(v)
    True
    """
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _RANDOM_SHIFTS])


class IdSource(Protocol):
    """Port: where new ids come from. ``SystemIdSource`` for real, deterministic in tests."""

    def new_ulid(self) -> ULID:
        """A new id, greater than every id this source gave before."""
        ...

    def new_id(self) -> str:
        """``str(self.new_ulid())``: the 26-character text form, wrap it in a typed id."""
        ...
