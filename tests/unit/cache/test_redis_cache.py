"""``RedisCache`` without a server: namespaces, TTL rounding, and an outage as ``Err`` values."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from returns.result import Result

from spine.cache import CacheBackend, CacheError
from spine.cache.redis_cache import RedisCache, _failed, _px
from spine.core.errors import SourceUnavailableError, ValidationError


@pytest.fixture
def unreachable() -> Iterator[redis.Redis]:
    """A client of a port nothing listens on (1), failing fast: no retries, short timeouts."""
    client = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    yield client
    client.close()


def test_every_operation_on_an_unreachable_server_is_a_retryable_err(unreachable: redis.Redis) -> None:
    cache: CacheBackend[str] = RedisCache(unreachable, namespace="app", value_type=str)
    calls: list[int] = []

    def factory() -> str:
        calls.append(1)
        return "v"

    outcomes: list[Result[object, CacheError]] = [
        cache.get("k"),
        cache.set("k", "v"),
        cache.set("k", "v", ttl_s=1.0),
        cache.delete("k"),
        cache.exists("k"),
        cache.clear(),
        cache.get_or_set("k", factory),
    ]
    for outcome in outcomes:
        error = outcome.failure()
        assert isinstance(error, SourceUnavailableError), outcome
        assert error.retryable
        assert error.source == "redis"
        assert isinstance(error.cause, redis.ConnectionError)
    assert calls == [], "no factory runs when the lookup itself failed"


def test_a_refused_ttl_is_reported_before_redis_is_asked(unreachable: redis.Redis) -> None:
    cache = RedisCache(unreachable, namespace="app", value_type=str)
    assert isinstance(cache.set("k", "v", ttl_s=0.0).failure(), ValidationError)
    assert isinstance(cache.get_or_set("k", lambda: "v", ttl_s=-1.0).failure(), ValidationError)


@pytest.mark.parametrize("namespace", ["", "a:b", "app*", "a b", "ns[1]", "é", "x" * 129])
def test_a_namespace_is_1_to_128_safe_characters(unreachable: redis.Redis, namespace: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RedisCache(unreachable, namespace=namespace, value_type=str)
    assert caught.value.field == "namespace"


@pytest.mark.parametrize("namespace", ["app", "my-app.cache_v2", "x" * 128])
def test_keys_are_the_namespace_a_colon_and_the_key(unreachable: redis.Redis, namespace: str) -> None:
    cache = RedisCache(unreachable, namespace=namespace, value_type=str)
    assert cache.namespace == namespace
    assert cache.key_of("user:1") == f"{namespace}:user:1"


@pytest.mark.parametrize(
    ("ttl_s", "px"), [(None, None), (1.0, 1000), (1.5, 1500), (0.0001, 1), (0.0011, 2), (2.0004, 2001)]
)
def test_ttls_become_whole_milliseconds_rounded_up(ttl_s: float | None, px: int | None) -> None:
    assert _px(ttl_s) == px


@pytest.mark.parametrize(
    ("exc", "retryable"),
    [
        (redis.exceptions.BusyLoadingError("LOADING"), True),
        (redis.exceptions.ReadOnlyError("READONLY"), True),
        (redis.exceptions.TimeoutError("Timeout reading from socket"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (redis.exceptions.AuthenticationError("invalid password"), False),
        (redis.exceptions.AuthorizationError("NOPERM"), False),
        (redis.exceptions.ResponseError("WRONGTYPE"), False),
    ],
)
def test_redis_failures_are_retryable_only_when_transient(exc: Exception, retryable: bool) -> None:
    error = _failed(exc, "GET", "k")
    assert isinstance(error, SourceUnavailableError)
    assert error.retryable is retryable
    assert error.cause is exc
