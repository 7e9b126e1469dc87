"""Layer 5: caching behind the ``CacheBackend`` port.

``InMemoryCache`` is an O(1) LRU with TTLs on an injected clock (also the cache to use in
tests). ``RedisCache`` lives in :mod:`spine.cache.redis_cache` (it needs the ``redis`` extra),
so importing this package never imports redis.
"""

from spine.cache.backend import CacheBackend, CacheError, Hit, Lookup, Miss, check_ttl, get_or_compute
from spine.cache.memory import InMemoryCache

__all__ = [
    "CacheBackend",
    "CacheError",
    "Hit",
    "InMemoryCache",
    "Lookup",
    "Miss",
    "check_ttl",
    "get_or_compute",
]
