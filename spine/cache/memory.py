"""``InMemoryCache``: a thread-safe LRU cache with per-entry TTLs on an injected clock.

# Theory of operation
# -------------------
# One ``OrderedDict`` maps key -> (value, expires_at), least recently used first. Every
# operation is O(1): a hit moves its key to the end (``move_to_end``), a set that grows the
# cache past ``max_entries`` drops the first key (``popitem(last=False)``). Expiry is lazy:
# an entry whose ``expires_at`` is at or before ``clock.monotonic()`` is dropped when it is
# next touched, and until then it takes a slot like any other (so the LRU end may hold an
# expired entry, which is simply the first to go). ``clear`` and ``purge_expired`` are the
# only O(n) operations.
#
# One ``threading.Lock`` guards the dict; it is never held while user code runs
# (``get_or_set`` calls its factory outside it), so a factory may use the cache itself.
#
# Values are stored by reference, not copied: cache immutable values (frozen Structs,
# tuples, str) or never mutate what you put in or get out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Final, final

from returns.result import Failure, Result, Success

from spine.cache.backend import CacheError, Hit, Lookup, Miss, check_ttl
from spine.core.clock import Clock

__all__ = ["InMemoryCache"]

_MISS: Final = Miss()
_OK_NONE: Final[Success[None]] = Success(None)


@final
class InMemoryCache[V]:
    """``CacheBackend`` in this process's memory: an O(1) LRU of at most ``max_entries``.

    Each instance is a cache of its own (``clear`` empties only it). TTLs are measured on
    ``clock.monotonic()``: pass a ``spine.testing.FakeClock`` to expire entries on demand.

    >>> from spine.testing import FakeClock
    >>> clock = FakeClock()
    >>> cache: InMemoryCache[str | None] = InMemoryCache(clock=clock, max_entries=2)
    >>> _ = cache.set("a", None, ttl_s=10.0)
    >>> cache.get("a"), cache.get("b")
    (<Success: Hit(value=None)>, <Success: Miss()>)
    >>> clock.advance(10.0); cache.get("a")
    <Success: Miss()>
    """

    __slots__ = ("_clock", "_entries", "_lock", "_max_entries")

    def __init__(self, *, clock: Clock, max_entries: int = 1024) -> None:
        if max_entries < 1:
            msg = f"max_entries must be at least 1, got {max_entries}"
            raise ValueError(msg)
        self._clock: Final = clock
        self._max_entries: Final = max_entries
        self._lock: Final = threading.Lock()
        self._entries: Final[OrderedDict[str, tuple[V, float | None]]] = OrderedDict()

    @property
    def max_entries(self) -> int:
        """How many entries the cache holds before it evicts the least recently used."""
        return self._max_entries

    def __len__(self) -> int:
        """Entries held, counting expired ones not yet dropped (O(1))."""
        return len(self._entries)

    def get(self, key: str, /) -> Result[Lookup[V], CacheError]:
        """``Hit(value)`` for a live entry (now the most recently used), else ``Miss()``."""
        now = self._clock.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return Success(_MISS)
            value, expires_at = entry
            if expires_at is not None and expires_at <= now:
                del self._entries[key]
                return Success(_MISS)
            self._entries.move_to_end(key)
        return Success(Hit(value))

    def set(self, key: str, value: V, /, *, ttl_s: float | None = None) -> Result[None, CacheError]:
        """Store ``value`` as the most recently used entry; an invalid ``ttl_s`` is an ``Err``."""
        checked = check_ttl(ttl_s)
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        expires_at = None if ttl_s is None else self._clock.monotonic() + ttl_s
        with self._lock:
            self._store(key, value, expires_at)
        return _OK_NONE

    def delete(self, key: str, /) -> Result[bool, CacheError]:
        """Remove ``key``; ``Ok(True)`` when it held a live entry."""
        now = self._clock.monotonic()
        with self._lock:
            entry = self._entries.pop(key, None)
        return Success(entry is not None and _live(entry[1], now))

    def exists(self, key: str, /) -> Result[bool, CacheError]:
        """Whether ``key`` holds a live entry; its recency is left as it was."""
        now = self._clock.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return Success(False)  # noqa: FBT003 - the answer is the boolean
            if not _live(entry[1], now):
                del self._entries[key]
                return Success(False)  # noqa: FBT003
        return Success(True)  # noqa: FBT003

    def clear(self) -> Result[int, CacheError]:
        """Remove every entry; how many of them were live."""
        now = self._clock.monotonic()
        with self._lock:
            live = sum(1 for _, expires_at in self._entries.values() if _live(expires_at, now))
            self._entries.clear()
        return Success(live)

    def purge_expired(self) -> int:
        """Drop every expired entry now (O(n)) rather than when touched; how many."""
        now = self._clock.monotonic()
        with self._lock:
            dead = [key for key, (_, expires_at) in self._entries.items() if not _live(expires_at, now)]
            for key in dead:
                del self._entries[key]
        return len(dead)

    def get_or_set(
        self, key: str, factory: Callable[[], V], /, *, ttl_s: float | None = None
    ) -> Result[V, CacheError]:
        """The live value under ``key``, or ``factory()`` stored unless someone stored first.

        ``factory`` runs outside the lock, only on a miss; when another thread stores a
        value for ``key`` meanwhile, that value wins and is returned instead.
        """
        checked = check_ttl(ttl_s)
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        found = self.get(key).unwrap()  # never an Err in memory
        if isinstance(found, Hit):
            return Success(found.value)
        value = factory()
        now = self._clock.monotonic()
        expires_at = None if ttl_s is None else now + ttl_s
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and _live(entry[1], now):
                self._entries.move_to_end(key)
                return Success(entry[0])
            self._store(key, value, expires_at)
        return Success(value)

    def _store(self, key: str, value: V, expires_at: float | None) -> None:
        """Insert as most recent and evict the least recent beyond capacity (lock held)."""
        entries = self._entries
        entries[key] = (value, expires_at)
        entries.move_to_end(key)
        if len(entries) > self._max_entries:
            entries.popitem(last=False)


def _live(expires_at: float | None, now: float) -> bool:
    return expires_at is None or now < expires_at
