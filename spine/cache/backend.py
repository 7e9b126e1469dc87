"""The ``CacheBackend`` port: what every cache interpreter (in-memory, Redis) promises.

A lookup answers ``Hit(value)`` or ``Miss()``, never a bare value, so a cached ``None`` is
told apart from an absent key. Every operation returns a ``Result``: the caller's mistakes
(a TTL that is not a positive number of seconds, a value the backend cannot encode or a
stored value that does not decode to the cache's type) are ``ValidationError`` values, and a
backend that cannot be reached is a ``SourceUnavailableError`` value (retryable when the
failure is transient). Whether to fail open when the cache is down is the caller's choice:
``cache.get(key).lash(lambda _: Ok(Miss()))``.

TTLs are seconds, as a float: ``None`` means "never expires", anything else must be finite
and greater than zero (``0`` does not mean "forever"; it is refused).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import SourceUnavailableError, ValidationError

__all__ = [
    "CacheBackend",
    "CacheError",
    "Hit",
    "Lookup",
    "Miss",
    "check_ttl",
    "get_or_compute",
]

type CacheError = ValidationError | SourceUnavailableError
"""What a cache operation can fail with: a caller mistake, or an unreachable backend."""


@final
class Hit[V](msgspec.Struct, frozen=True):
    """A lookup that found ``value`` (which may itself be ``None``).

    >>> Hit(None).value_or("absent"), Hit(None) == Miss()
    (None, False)
    """

    value: V

    def value_or[D](self, default: D, /) -> V | D:
        """The value found; ``default`` is not used."""
        return self.value


@final
class Miss(msgspec.Struct, frozen=True):
    """A lookup that found nothing: the key was never set, was deleted, or expired.

    >>> Miss().value_or("absent")
    'absent'
    """

    def value_or[D](self, default: D, /) -> D:
        """``default``: there is no value."""
        return default


type Lookup[V] = Hit[V] | Miss
"""The answer to ``CacheBackend.get``."""


class CacheBackend[V](Protocol):
    """Port: a key-value cache of ``V`` values with optional per-entry expiry.

    Interpreters: :class:`spine.cache.InMemoryCache` (an LRU in this process) and
    :class:`spine.cache.redis_cache.RedisCache` (shared through a Redis server).
    """

    def get(self, key: str, /) -> Result[Lookup[V], CacheError]:
        """``Hit(value)`` for a live entry, ``Miss()`` otherwise."""
        ...

    def set(self, key: str, value: V, /, *, ttl_s: float | None = None) -> Result[None, CacheError]:
        """Store ``value`` under ``key``, replacing any entry; it expires after ``ttl_s``."""
        ...

    def delete(self, key: str, /) -> Result[bool, CacheError]:
        """Remove ``key``'s entry; ``Ok(True)`` when a live entry was removed."""
        ...

    def exists(self, key: str, /) -> Result[bool, CacheError]:
        """Whether ``key`` holds a live entry (without counting as a use of it)."""
        ...

    def clear(self) -> Result[int, CacheError]:
        """Remove every entry of this cache (its namespace, never anyone else's); how many."""
        ...

    def get_or_set(
        self, key: str, factory: Callable[[], V], /, *, ttl_s: float | None = None
    ) -> Result[V, CacheError]:
        """The cached value, or ``factory()`` stored (only if still absent) and returned.

        ``factory`` runs only on a miss. Two callers that miss at the same moment may both
        run it; the first value stored wins and both get that value back.
        """
        ...


def check_ttl(ttl_s: float | None, /) -> Result[float | None, ValidationError]:
    """``ttl_s`` when it is ``None`` (no expiry) or a finite number of seconds above zero.

    >>> check_ttl(1.5), check_ttl(None)
    (<Success: 1.5>, <Success: None>)
    >>> check_ttl(0).failure().constraint
    'finite and > 0 seconds, or None for no expiry'
    """
    if ttl_s is None or (math.isfinite(ttl_s) and ttl_s > 0):
        return Success(ttl_s)
    return Failure(
        ValidationError(
            f"a cache TTL must be a finite number of seconds above zero (or None), got {ttl_s!r}",
            field="ttl_s",
            value=ttl_s,
            constraint="finite and > 0 seconds, or None for no expiry",
        )
    )


def get_or_compute[V, E](
    cache: CacheBackend[V],
    key: str,
    compute: Callable[[], Result[V, E]],
    /,
    *,
    ttl_s: float | None = None,
) -> Result[V, E | CacheError]:
    """The cached value, or the value of ``compute()`` stored and returned.

    ``compute`` runs only on a miss; its ``Err`` is returned as is and nothing is cached.
    Unlike ``get_or_set`` this is a plain get-then-set: a concurrent writer's value may be
    overwritten.

    >>> from spine.cache.memory import InMemoryCache
    >>> from spine.testing import FakeClock
    >>> cache: InMemoryCache[int] = InMemoryCache(clock=FakeClock())
    >>> get_or_compute(cache, "k", lambda: Success(1)), get_or_compute(cache, "k", lambda: Success(2))
    (<Success: 1>, <Success: 1>)
    """
    checked = check_ttl(ttl_s)
    if not isinstance(checked, Success):
        return Failure(checked.failure())
    found = cache.get(key)
    if not isinstance(found, Success):
        return Failure(found.failure())
    lookup: Lookup[V] = found.unwrap()
    if isinstance(lookup, Hit):
        return Success(lookup.value)
    computed = compute()
    if not isinstance(computed, Success):
        return Failure(computed.failure())
    value: V = computed.unwrap()
    stored = cache.set(key, value, ttl_s=ttl_s)
    if not isinstance(stored, Success):
        return Failure(stored.failure())
    return Success(value)
