"""``InMemoryCache``: LRU order, O(1) operations, TTL boundaries, and many threads at once."""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable

import pytest
from returns.result import Success

from spine.cache import CacheBackend, Hit, InMemoryCache, Miss
from spine.testing import FakeClock


def make(max_entries: int = 3) -> tuple[InMemoryCache[str], FakeClock]:
    clock = FakeClock()
    return InMemoryCache[str](clock=clock, max_entries=max_entries), clock


def held(cache: InMemoryCache[str], *keys: str) -> list[str]:
    """Which of ``keys`` are still cached (checked with ``exists``, which keeps recency)."""
    return [key for key in keys if cache.exists(key) == Success(True)]


def test_it_is_a_cache_backend() -> None:
    cache: CacheBackend[str] = make()[0]
    assert cache.get("k") == Success(Miss())


def test_the_least_recently_used_entry_is_evicted_first() -> None:
    cache, _ = make(3)
    for key in "abc":
        cache.set(key, key)
    cache.get("a")  # a is now the most recent: b is the oldest
    cache.set("d", "d")
    assert held(cache, *"abcd") == ["a", "c", "d"]
    cache.set("c", "c2")  # a set refreshes recency too: a is the oldest now
    cache.set("e", "e")
    assert held(cache, *"abcde") == ["c", "d", "e"]
    assert len(cache) == 3


def test_exists_and_a_miss_do_not_change_recency() -> None:
    cache, _ = make(2)
    cache.set("a", "a")
    cache.set("b", "b")
    assert cache.exists("a") == Success(True)
    cache.get("zzz")
    cache.set("c", "c")
    assert held(cache, *"abc") == ["b", "c"]


def test_replacing_a_key_never_evicts_another() -> None:
    cache, _ = make(2)
    cache.set("a", "1")
    cache.set("b", "1")
    for n in range(10):
        cache.set("a", str(n))
    assert held(cache, "a", "b") == ["a", "b"]
    assert cache.get("a") == Success(Hit("9"))


def test_get_or_set_and_delete_keep_the_bound() -> None:
    cache, _ = make(2)
    for key in "abcdef":
        cache.get_or_set(key, functools.partial(str, key))
    assert len(cache) == 2
    assert held(cache, *"abcdef") == ["e", "f"]
    assert cache.delete("e") == Success(True)
    assert len(cache) == 1


def test_an_entry_lives_until_exactly_its_ttl() -> None:
    cache, clock = make()
    clock.advance(100.0)
    cache.set("k", "v", ttl_s=2.5)
    clock.advance(2.5 - 1e-9)
    assert cache.get("k") == Success(Hit("v"))
    clock.advance(1e-9)
    assert cache.get("k") == Success(Miss())
    assert len(cache) == 0, "the expired entry is dropped when touched"


def test_expired_entries_are_not_counted_and_can_be_purged() -> None:
    cache, clock = make(10)
    cache.set("short", "v", ttl_s=1.0)
    cache.set("long", "v", ttl_s=10.0)
    cache.set("forever", "v")
    clock.advance(5.0)
    assert len(cache) == 3
    assert cache.delete("short") == Success(False)
    cache.set("short", "v", ttl_s=1.0)
    clock.advance(1.0)
    assert cache.purge_expired() == 1
    assert len(cache) == 2
    assert cache.clear() == Success(2)
    cache.set("short", "v", ttl_s=1.0)
    clock.advance(1.0)
    assert cache.clear() == Success(0), "an expired entry is not counted as cleared"


def test_a_factory_may_use_the_cache_itself() -> None:
    cache, _ = make()

    def factory() -> str:
        return cache.get_or_set("inner", lambda: "inner").unwrap() + "+outer"

    assert cache.get_or_set("outer", factory) == Success("inner+outer")


@pytest.mark.parametrize("max_entries", [0, -1])
def test_max_entries_must_be_positive(max_entries: int) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        InMemoryCache[int](clock=FakeClock(), max_entries=max_entries)


def _seconds_per_op(size: int, operations: int) -> float:
    cache = InMemoryCache[int](clock=FakeClock(), max_entries=size)
    for i in range(size):
        cache.set(str(i), i)
    keys = [str(random.randrange(size)) for _ in range(operations)]
    started = time.perf_counter()
    for i, key in enumerate(keys):
        cache.get(key)
        cache.set(str(size + i), i)  # a new key: one eviction per set
    return (time.perf_counter() - started) / operations


def test_operations_take_constant_time_whatever_the_size() -> None:
    # An O(n) LRU (a list of keys, say) is ~500x slower at 50k entries than at 100; the
    # bound is loose so that a busy machine cannot fail it, but linear time cannot pass it.
    small = min(_seconds_per_op(100, 5_000) for _ in range(2))
    large = min(_seconds_per_op(50_000, 5_000) for _ in range(2))
    assert large < small * 8, (small, large)


def tuple_of(key: str, i: int) -> tuple[str, int]:
    return key, i


def _hammer(threads: int, body: Callable[[int], None]) -> None:
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait(timeout=10)
            body(n)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the main thread
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers)
    assert errors == []


def test_many_threads_never_corrupt_the_cache() -> None:
    clock = FakeClock()
    cache = InMemoryCache[tuple[str, int]](clock=clock, max_entries=16)
    keys = [f"k{i}" for i in range(40)]

    def body(n: int) -> None:
        rng = random.Random(n)
        for i in range(3_000):
            key = rng.choice(keys)
            op = rng.randrange(6)
            if op == 0:
                assert cache.set(key, (key, i), ttl_s=rng.choice([None, 0.5])) == Success(None)
            elif op == 1:
                assert cache.delete(key).unwrap() in {True, False}
            elif op == 2:
                value = cache.get_or_set(key, functools.partial(tuple_of, key, i)).unwrap()
                assert value[0] == key
            elif op == 3:
                clock.advance(0.001)
            else:
                found = cache.get(key).unwrap()
                assert isinstance(found, Miss) or found.value[0] == key, "a value under the wrong key"
            assert len(cache) <= 16

    _hammer(8, body)
    assert len(cache) <= 16


def test_concurrent_get_or_set_agrees_on_the_first_stored_value() -> None:
    cache = InMemoryCache[int](clock=FakeClock())
    results: list[int] = []
    calls: list[int] = []

    def slow_factory(n: int) -> int:
        calls.append(n)
        time.sleep(0.01)  # every thread misses before the first one stores
        return n

    _hammer(8, lambda n: results.append(cache.get_or_set("k", lambda: slow_factory(n)).unwrap()))
    stored = cache.get("k").unwrap()
    assert isinstance(stored, Hit)
    assert results == [stored.value] * 8
    assert stored.value in calls
