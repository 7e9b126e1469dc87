"""Long random runs of ``InMemoryCache`` against a naive model written out plainly.

The model keeps a list of ``[key, value, expires_at]`` in recency order (least recent
first) and does everything by linear search: the obvious, slow way. It follows the
documented semantics: expiry at ``now >= expires_at``, expired entries dropped when touched
(``get``, ``exists``, ``get_or_set``) and otherwise holding a slot until they reach the LRU
end, ``exists`` keeping recency, a refused TTL changing nothing.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from spine.cache import Hit, InMemoryCache, Lookup, Miss
from spine.core.errors import ValidationError
from spine.testing import FakeClock

keys = st.sampled_from(["a", "b", "c", "d", "e", "f"])
values = st.none() | st.integers(-3, 3)
ttls = st.sampled_from([None, None, 0.5, 1.0, 2.5])
bad_ttls = st.sampled_from([0.0, -1.0, float("nan"), float("inf")])
steps = st.sampled_from([0.0, 0.25, 0.5, 1.0, 3.0])


class NaiveLru:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.entries: list[tuple[str, int | None, float | None]] = []

    def _find(self, key: str) -> int | None:
        for i, (k, _, _) in enumerate(self.entries):
            if k == key:
                return i
        return None

    @staticmethod
    def _live(expires_at: float | None, now: float) -> bool:
        return expires_at is None or now < expires_at

    def get(self, key: str, now: float) -> Lookup[int | None]:
        i = self._find(key)
        if i is None:
            return Miss()
        entry = self.entries.pop(i)
        if not self._live(entry[2], now):
            return Miss()
        self.entries.append(entry)
        return Hit(entry[1])

    def set(self, key: str, value: int | None, expires_at: float | None) -> None:
        i = self._find(key)
        if i is not None:
            self.entries.pop(i)
        self.entries.append((key, value, expires_at))
        if len(self.entries) > self.max_entries:
            self.entries.pop(0)

    def delete(self, key: str, now: float) -> bool:
        i = self._find(key)
        return i is not None and self._live(self.entries.pop(i)[2], now)

    def exists(self, key: str, now: float) -> bool:
        i = self._find(key)
        if i is None:
            return False
        if not self._live(self.entries[i][2], now):
            self.entries.pop(i)
            return False
        return True

    def clear(self, now: float) -> int:
        live = sum(1 for _, _, expires_at in self.entries if self._live(expires_at, now))
        self.entries.clear()
        return live

    def purge(self, now: float) -> int:
        before = len(self.entries)
        self.entries = [e for e in self.entries if self._live(e[2], now)]
        return before - len(self.entries)


@settings(max_examples=60, stateful_step_count=60)
class CacheAgainstModel(RuleBasedStateMachine):
    cache: InMemoryCache[int | None]
    model: NaiveLru
    clock: FakeClock

    @initialize(max_entries=st.integers(1, 5))
    def start(self, max_entries: int) -> None:
        self.clock = FakeClock()
        self.cache = InMemoryCache[int | None](clock=self.clock, max_entries=max_entries)
        self.model = NaiveLru(max_entries)

    def now(self) -> float:
        return self.clock.monotonic()

    @rule(seconds=steps)
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule(key=keys, value=values, ttl_s=ttls)
    def set(self, key: str, value: int | None, ttl_s: float | None) -> None:
        assert self.cache.set(key, value, ttl_s=ttl_s).unwrap() is None
        self.model.set(key, value, None if ttl_s is None else self.now() + ttl_s)

    @rule(key=keys, value=values, ttl_s=bad_ttls)
    def refused_set(self, key: str, value: int | None, ttl_s: float) -> None:
        assert isinstance(self.cache.set(key, value, ttl_s=ttl_s).failure(), ValidationError)
        assert isinstance(self.cache.get_or_set(key, lambda: value, ttl_s=ttl_s).failure(), ValidationError)

    @rule(key=keys)
    def get(self, key: str) -> None:
        assert self.cache.get(key).unwrap() == self.model.get(key, self.now())

    @rule(key=keys, value=values, ttl_s=ttls)
    def get_or_set(self, key: str, value: int | None, ttl_s: float | None) -> None:
        calls: list[int | None] = []

        def factory() -> int | None:
            calls.append(value)
            return value

        got = self.cache.get_or_set(key, factory, ttl_s=ttl_s).unwrap()
        found = self.model.get(key, self.now())
        if isinstance(found, Hit):
            assert calls == []
            assert got == found.value
        else:
            assert calls == [value]
            assert got == value
            self.model.set(key, value, None if ttl_s is None else self.now() + ttl_s)

    @rule(key=keys)
    def delete(self, key: str) -> None:
        assert self.cache.delete(key).unwrap() == self.model.delete(key, self.now())

    @rule(key=keys)
    def exists(self, key: str) -> None:
        assert self.cache.exists(key).unwrap() == self.model.exists(key, self.now())

    @precondition(lambda self: len(self.model.entries) > 2)
    @rule()
    def clear(self) -> None:
        assert self.cache.clear().unwrap() == self.model.clear(self.now())

    @rule()
    def purge_expired(self) -> None:
        assert self.cache.purge_expired() == self.model.purge(self.now())

    @invariant()
    def same_size_and_bounded(self) -> None:
        assert len(self.cache) == len(self.model.entries) <= self.model.max_entries


TestCacheAgainstModel = CacheAgainstModel.TestCase
