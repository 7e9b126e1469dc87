"""One suite for every ``CacheBackend`` interpreter: ``InMemoryCache`` and ``RedisCache``.

The memory cache runs on a ``FakeClock`` (time passes when the test says so); the Redis one
on the real server, in a namespace of its own per test (removed afterwards), where time
passing is a real sleep past a short TTL. Anything Redis-only lives in
``tests/integration/cache/test_redis_cache.py``.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from spine.cache import CacheBackend, CacheError, Hit, InMemoryCache, Lookup, Miss, get_or_compute
from spine.cache.redis_cache import RedisCache
from spine.core.errors import NotFoundError, ValidationError
from spine.testing import FakeClock
from tests.services import require

SHORT_TTL = 0.05
"""Seconds; long enough for a set-then-get on the real server, short enough to wait out."""


class Point(msgspec.Struct, frozen=True, kw_only=True):
    x: int
    y: int
    label: str | None = None
    at: datetime | None = None


@dataclass
class Harness:
    """A backend under test: caches of any namespace on it, and a way to let time pass."""

    caches: Callable[[str], CacheBackend[object]]
    points: Callable[[str], CacheBackend[Point]]
    wait: Callable[[float], None]
    namespaces: list[str] = field(default_factory=list[str])

    def namespace(self) -> str:
        name = f"spine-test-{uuid.uuid4().hex}"
        self.namespaces.append(name)
        return name

    def cache(self) -> CacheBackend[object]:
        return self.caches(self.namespace())


@pytest.fixture(scope="module")
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(
        require("redis"), socket_timeout=2.0, socket_connect_timeout=2.0, retry=Retry(NoBackoff(), 0)
    )
    yield connection
    connection.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "memory":
        clock = FakeClock()
        yield Harness(
            caches=lambda _: InMemoryCache[object](clock=clock),
            points=lambda _: InMemoryCache[Point](clock=clock),
            wait=clock.advance,
        )
        return
    connection: redis.Redis = request.getfixturevalue("client")
    harness = Harness(
        caches=lambda ns: RedisCache(connection, namespace=ns, value_type=object),
        points=lambda ns: RedisCache(connection, namespace=ns, value_type=Point),
        wait=time.sleep,
    )
    yield harness
    for name in harness.namespaces:
        for key in connection.scan_iter(match=f"{name}:*"):
            connection.delete(key)


def lookup[V](result: Result[Lookup[V], CacheError]) -> Lookup[V]:
    assert is_successful(result), result
    return result.unwrap()


def rejected(result: Result[object, CacheError]) -> ValidationError:
    assert not is_successful(result), result
    error = result.failure()
    assert isinstance(error, ValidationError)
    return error


# --- get, set, miss vs None ---------------------------------------------------------------------


def test_a_key_never_set_is_a_miss(backend: Harness) -> None:
    cache = backend.cache()
    assert lookup(cache.get("absent")) == Miss()
    assert cache.exists("absent") == Success(False)


def test_set_then_get_is_a_hit_and_set_replaces(backend: Harness) -> None:
    cache = backend.cache()
    assert cache.set("k", "one") == Success(None)
    assert lookup(cache.get("k")) == Hit("one")
    assert cache.set("k", [1, 2]) == Success(None)
    assert lookup(cache.get("k")) == Hit([1, 2])


def test_a_cached_none_is_a_hit_not_a_miss(backend: Harness) -> None:
    cache = backend.cache()
    cache.set("nothing", None)
    assert lookup(cache.get("nothing")) == Hit(None)
    assert lookup(cache.get("nothing")) != Miss()
    assert cache.exists("nothing") == Success(True)
    assert lookup(cache.get("nothing")).value_or("absent") is None
    assert lookup(cache.get("other")).value_or("absent") == "absent"


def test_values_decode_to_the_caches_type(backend: Harness) -> None:
    cache = backend.points(backend.namespace())
    point = Point(x=1, y=-2, label=None, at=datetime(2025, 1, 3, 12, 30, tzinfo=UTC))
    cache.set("p", point)
    found = lookup(cache.get("p"))
    assert isinstance(found, Hit)
    assert isinstance(found.value, Point)
    assert found.value == point


# --- TTL -----------------------------------------------------------------------------------------


def test_an_entry_expires_after_its_ttl(backend: Harness) -> None:
    cache = backend.cache()
    cache.set("short", "v", ttl_s=SHORT_TTL)
    cache.set("forever", "v")
    cache.set("long", "v", ttl_s=60.0)
    assert lookup(cache.get("short")) == Hit("v")
    backend.wait(SHORT_TTL * 2)
    assert lookup(cache.get("short")) == Miss()
    assert cache.exists("short") == Success(False)
    assert lookup(cache.get("forever")) == Hit("v")
    assert lookup(cache.get("long")) == Hit("v")


def test_set_without_ttl_replaces_an_earlier_ttl(backend: Harness) -> None:
    cache = backend.cache()
    cache.set("k", "first", ttl_s=SHORT_TTL)
    cache.set("k", "second")
    backend.wait(SHORT_TTL * 2)
    assert lookup(cache.get("k")) == Hit("second")


@pytest.mark.parametrize("ttl_s", [0.0, -0.0, -1.0, math.inf, -math.inf, math.nan])
def test_a_ttl_that_is_not_a_positive_finite_number_is_refused(backend: Harness, ttl_s: float) -> None:
    cache = backend.cache()
    error = rejected(cache.set("k", "v", ttl_s=ttl_s))
    assert error.field == "ttl_s"
    assert lookup(cache.get("k")) == Miss(), "a refused set stores nothing (0 never means forever)"
    calls: list[int] = []
    rejected(cache.get_or_set("k", lambda: calls.append(1), ttl_s=ttl_s))
    assert calls == [], "the factory does not run when the TTL is refused"
    assert lookup(cache.get("k")) == Miss()


# --- delete, exists, clear -----------------------------------------------------------------------


def test_delete_says_whether_a_live_entry_was_removed(backend: Harness) -> None:
    cache = backend.cache()
    cache.set("k", None)
    assert cache.delete("k") == Success(True)
    assert lookup(cache.get("k")) == Miss()
    assert cache.delete("k") == Success(False)
    cache.set("gone", 1, ttl_s=SHORT_TTL)
    backend.wait(SHORT_TTL * 2)
    assert cache.delete("gone") == Success(False)


def test_clear_empties_its_own_namespace_only(backend: Harness) -> None:
    mine, theirs = backend.cache(), backend.cache()
    for key in ("a", "b", "c"):
        mine.set(key, key)
    theirs.set("a", "kept")
    theirs.set("z", "kept")
    assert mine.clear() == Success(3)
    assert [lookup(mine.get(key)) for key in ("a", "b", "c")] == [Miss()] * 3
    assert lookup(theirs.get("a")) == Hit("kept")
    assert lookup(theirs.get("z")) == Hit("kept")
    assert mine.clear() == Success(0)
    assert mine.set("a", "again") == Success(None), "a cleared cache is still usable"
    assert lookup(mine.get("a")) == Hit("again")


# --- get_or_set, get_or_compute ------------------------------------------------------------------


def test_get_or_set_runs_the_factory_only_on_a_miss(backend: Harness) -> None:
    cache = backend.cache()
    calls: list[str] = []

    def factory() -> object:
        calls.append("called")
        return {"n": len(calls)}

    assert cache.get_or_set("k", factory) == Success({"n": 1})
    assert cache.get_or_set("k", factory) == Success({"n": 1})
    assert calls == ["called"]
    assert lookup(cache.get("k")) == Hit({"n": 1})


def test_get_or_set_treats_a_cached_none_as_a_hit(backend: Harness) -> None:
    cache = backend.cache()
    calls: list[int] = []
    assert cache.get_or_set("k", lambda: calls.append(1)) == Success(None)
    assert cache.get_or_set("k", lambda: calls.append(2)) == Success(None)
    assert calls == [1]


def test_get_or_set_honours_the_ttl(backend: Harness) -> None:
    cache = backend.cache()
    assert cache.get_or_set("k", lambda: "first", ttl_s=SHORT_TTL) == Success("first")
    backend.wait(SHORT_TTL * 2)
    assert cache.get_or_set("k", lambda: "second") == Success("second")


def test_get_or_set_returns_the_value_stored_first(backend: Harness) -> None:
    cache = backend.cache()

    def racing_factory() -> object:
        cache.set("k", "stored meanwhile")  # another writer gets in while we compute
        return "ours"

    assert cache.get_or_set("k", racing_factory) == Success("stored meanwhile")
    assert lookup(cache.get("k")) == Hit("stored meanwhile")


def test_get_or_compute_caches_ok_values_and_passes_errors_through(backend: Harness) -> None:
    cache = backend.points(backend.namespace())
    missing = NotFoundError("no such point", resource="point", key="p")
    failed: Result[Point, NotFoundError] = Failure(missing)
    assert get_or_compute(cache, "p", lambda: failed) == Failure(missing)
    assert lookup(cache.get("p")) == Miss(), "an Err is not cached"
    point = Point(x=3, y=4)
    assert get_or_compute(cache, "p", lambda: Success(point), ttl_s=60.0) == Success(point)
    assert get_or_compute(cache, "p", lambda: failed) == Success(point)
    assert isinstance(
        get_or_compute(cache, "q", lambda: Success(point), ttl_s=0.0).failure(), ValidationError
    )
