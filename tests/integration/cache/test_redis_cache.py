"""``RedisCache`` against the real server: key layout, Redis-side TTLs, clear, bad data.

The behaviour it shares with ``InMemoryCache`` is in ``tests/contract/test_cache.py``.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator

import msgspec
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from returns.result import Success

from spine.cache import Hit, Miss
from spine.cache.redis_cache import RedisCache
from spine.core.errors import SourceUnavailableError, ValidationError
from tests.services import require

pytestmark = pytest.mark.integration


class User(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    age: int


@pytest.fixture(scope="module")
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(
        require("redis"), socket_timeout=2.0, socket_connect_timeout=2.0, retry=Retry(NoBackoff(), 0)
    )
    yield connection
    connection.close()


@pytest.fixture
def ns(client: redis.Redis) -> Iterator[str]:
    """A fresh namespace; afterwards every key starting with it (namespaced or not) is removed."""
    name = f"spine-test-{uuid.uuid4().hex}"
    yield name
    for key in client.scan_iter(match=f"{name}*"):
        client.delete(key)


def test_entries_live_at_namespace_colon_key_as_msgpack(client: redis.Redis, ns: str) -> None:
    cache = RedisCache(client, namespace=ns, value_type=User)
    cache.set("u:1", User(name="Ada", age=36))
    assert cache.key_of("u:1") == f"{ns}:u:1"
    assert client.get(f"{ns}:u:1") == msgspec.msgpack.encode(User(name="Ada", age=36))
    assert client.get("u:1") is None


def test_a_cached_none_is_stored_as_a_value(client: redis.Redis, ns: str) -> None:
    cache = RedisCache[int | None](client, namespace=ns, value_type=int | None)
    cache.set("k", None)
    assert client.get(f"{ns}:k") == b"\xc0"
    assert cache.get("k") == Success(Hit(None))


def test_ttl_is_set_on_the_server_in_milliseconds_rounded_up(client: redis.Redis, ns: str) -> None:
    cache = RedisCache(client, namespace=ns, value_type=str)
    cache.set("ttl", "v", ttl_s=1.5)
    cache.set("tiny", "v", ttl_s=0.0001)
    cache.set("none", "v")
    assert 1400 < int(client.pttl(f"{ns}:ttl")) <= 1500
    assert int(client.pttl(f"{ns}:tiny")) in {-2, 0, 1}  # 1 ms, maybe already gone
    assert client.pttl(f"{ns}:none") == -1
    assert cache.get_or_set("fresh", lambda: "v", ttl_s=2.0) == Success("v")
    assert 1900 < int(client.pttl(f"{ns}:fresh")) <= 2000


def test_clear_never_touches_keys_outside_its_namespace(client: redis.Redis, ns: str) -> None:
    cache = RedisCache(client, namespace=ns, value_type=int)
    neighbours = [ns, f"{ns}x:k", f"{ns}-2:k", f"x{ns}:k", f"{ns}x"]
    for key in neighbours:
        client.set(key, b"theirs")
    for i in range(3):
        cache.set(str(i), i)
    assert cache.clear() == Success(3)
    assert [client.get(key) for key in neighbours] == [b"theirs"] * len(neighbours)
    assert client.dbsize() >= len(neighbours)


def test_clear_removes_a_namespace_larger_than_one_scan_page(client: redis.Redis, ns: str) -> None:
    cache = RedisCache(client, namespace=ns, value_type=int)
    with client.pipeline(transaction=False) as pipe:
        for i in range(1_800):
            pipe.set(cache.key_of(str(i)), msgspec.msgpack.encode(i))
        pipe.execute()
    assert cache.clear() == Success(1_800)
    assert list(client.scan_iter(match=f"{ns}:*")) == []


def test_two_clients_share_a_namespace(client: redis.Redis, ns: str) -> None:
    writer = RedisCache(client, namespace=ns, value_type=User)
    other = redis.Redis.from_url(require("redis"), socket_timeout=2.0)
    try:
        reader = RedisCache(other, namespace=ns, value_type=User)
        writer.set("u", User(name="Bo", age=7))
        assert reader.get("u") == Success(Hit(User(name="Bo", age=7)))
        assert reader.delete("u") == Success(True)
        assert writer.get("u") == Success(Miss())
    finally:
        other.close()


def test_concurrent_get_or_set_agrees_on_one_value(client: redis.Redis, ns: str) -> None:
    cache = RedisCache(client, namespace=ns, value_type=int)
    start = threading.Barrier(6)
    results: list[object] = []

    def worker(n: int) -> None:
        start.wait(timeout=5)
        results.append(cache.get_or_set("shared", lambda: n))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    stored = cache.get("shared").unwrap()
    assert isinstance(stored, Hit)
    assert results == [Success(stored.value)] * 6


def test_a_stored_value_of_another_type_is_a_validation_error(client: redis.Redis, ns: str) -> None:
    RedisCache(client, namespace=ns, value_type=str).set("k", "text")
    error = RedisCache(client, namespace=ns, value_type=int).get("k").failure()
    assert isinstance(error, ValidationError)
    assert "Expected `int`, got `str`" in error.message
    assert error.context["key"] == "k"
    client.set(f"{ns}:junk", b"\xff\xff")
    assert isinstance(RedisCache(client, namespace=ns, value_type=int).get("junk").failure(), ValidationError)


def identity(value: object) -> object:
    return value


def test_a_value_that_cannot_be_encoded_is_a_validation_error(client: redis.Redis, ns: str) -> None:
    cache = RedisCache(client, namespace=ns, value_type=object)
    for bad in (object(), 2**70):
        error = cache.set("k", bad).failure()
        assert isinstance(error, ValidationError)
        assert error.constraint == "msgspec-encodable"
        assert isinstance(cache.get_or_set("k", functools.partial(identity, bad)).failure(), ValidationError)
    assert cache.exists("k") == Success(False)


def test_a_wrong_typed_key_is_a_non_retryable_error(client: redis.Redis, ns: str) -> None:
    client.hset(f"{ns}:h", "field", "value")
    error = RedisCache(client, namespace=ns, value_type=str).get("h").failure()
    assert isinstance(error, SourceUnavailableError)
    assert error.retryable is False
    assert "WRONGTYPE" in error.message


def test_a_key_that_is_not_utf8_text_is_a_validation_error(client: redis.Redis, ns: str) -> None:
    cache = RedisCache(client, namespace=ns, value_type=str)
    for outcome in (cache.set("\ud800", "v"), cache.get("\ud800"), cache.get_or_set("\ud800", lambda: "v")):
        error = outcome.failure()
        assert isinstance(error, ValidationError)
        assert error.field == "key"
    assert cache.get("ok") == Success(Miss()), "the connection is still usable"


def test_a_decoding_client_is_refused_with_an_err(client: redis.Redis, ns: str) -> None:
    decoding = redis.Redis.from_url(require("redis"), decode_responses=True, socket_timeout=2.0)
    try:
        cache = RedisCache(decoding, namespace=ns, value_type=str)
        decoding.set(f"{ns}:k", "plain")
        RedisCache(client, namespace=ns, value_type=str).set("packed", "text")
        client.set(f"{ns}:binary", b"\xff\xfe")
        for key in ("k", "packed", "binary"):
            error = cache.get(key).failure()
            assert isinstance(error, SourceUnavailableError)
            assert error.retryable is False
            assert "must not decode responses" in error.message
    finally:
        decoding.close()
