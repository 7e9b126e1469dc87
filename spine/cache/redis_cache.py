"""``RedisCache``: a ``CacheBackend`` shared through a Redis server (needs the ``redis`` extra).

# Theory of operation
# -------------------
# Entry ``key`` of namespace ``ns`` lives at the Redis key ``ns:key``, its value msgpack-encoded
# by msgspec (with spine's hooks, so Structs, datetimes and ``WeekEnding`` round-trip) and
# decoded into the cache's ``value_type``. A cached ``None`` is the one-byte message ``0xc0``,
# never an absent key, so it reads back as ``Hit(None)``. Expiry is Redis's own (``SET … PX``),
# in whole milliseconds rounded up, so a TTL never ends early.
#
# ``clear`` walks ``SCAN MATCH ns:*`` and ``UNLINK``s each page of keys: it never runs
# FLUSHDB and never touches a key outside the namespace. A namespace is restricted to
# ``[A-Za-z0-9_.-]`` so that it can contain neither ``:`` (namespace ``a`` would otherwise own
# the keys of namespace ``a:b``) nor a SCAN glob character.
#
# ``get_or_set`` stores with ``SET … NX``: when another client stored first, its value is
# read back and returned, so concurrent callers agree on one value.
#
# Redis failures (refused, timeout, loading, read-only replica) are returned as retryable
# ``SourceUnavailableError``s, anything else Redis says (a wrong-typed key, no permission) as
# non-retryable ones; a value that cannot be encoded, or a stored one that does not decode to
# ``value_type``, is a ``ValidationError``. None of them is raised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from types import UnionType
from typing import Final, final

import msgspec
import redis
from redis.exceptions import RedisError
from returns.result import Failure, Result, Success

from spine.cache.backend import CacheError, Hit, Lookup, Miss, check_ttl
from spine.core.codec import dec_hook, enc_hook
from spine.core.errors import SourceUnavailableError, ValidationError
from spine.execution.redis_errors import retryable

__all__ = ["RedisCache"]

_NAMESPACE: Final = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
_SCAN_COUNT: Final = 500
_MISS: Final = Miss()
_ENCODER: Final = msgspec.msgpack.Encoder(enc_hook=enc_hook)
_ENCODE_ERRORS: Final = (msgspec.MsgspecError, TypeError, ValueError, OverflowError, NotImplementedError)
# UnicodeError: a key that is not valid UTF-8 text (encode), or a client built with
# decode_responses=True meeting msgpack bytes (decode); redis-py raises both as they are.
_FAILURES: Final = (RedisError, OSError, UnicodeError)


@final
class RedisCache[V]:
    """``CacheBackend`` over Redis: every client with the same namespace shares the entries.

    ``client`` must return bytes (the default, not ``decode_responses=True``) and should be
    built with ``socket_timeout`` and ``socket_connect_timeout``, so a hung server becomes a
    ``SourceUnavailableError`` instead of a hung caller. For a union value type, name the
    type parameter: ``RedisCache[User | None](client, namespace="users", value_type=User | None)``.
    """

    __slots__ = ("_client", "_decoder", "_namespace", "_prefix")

    def __init__(self, client: redis.Redis, *, namespace: str, value_type: type[V] | UnionType) -> None:
        if not _NAMESPACE.fullmatch(namespace):
            msg = f"a cache namespace is 1-128 of [A-Za-z0-9_.-], got {namespace!r}"
            raise ValidationError(msg, field="namespace", value=namespace, constraint=_NAMESPACE.pattern)
        self._client: Final = client
        self._namespace: Final = namespace
        self._prefix: Final = namespace + ":"
        self._decoder: Final[msgspec.msgpack.Decoder[V]] = msgspec.msgpack.Decoder(
            value_type, dec_hook=dec_hook
        )

    @property
    def namespace(self) -> str:
        """The namespace: this cache's keys are ``{namespace}:{key}``."""
        return self._namespace

    def key_of(self, key: str) -> str:
        """The Redis key that holds ``key``'s entry."""
        return self._prefix + key

    def get(self, key: str, /) -> Result[Lookup[V], CacheError]:
        """``Hit(value)`` decoded into the value type, or ``Miss()``."""
        try:
            raw: object = self._client.get(self._prefix + key)
        except _FAILURES as exc:
            return Failure(_failed(exc, "GET", key))
        if raw is None:
            return Success(_MISS)
        return self._decode(raw, key).map(Hit)

    def set(self, key: str, value: V, /, *, ttl_s: float | None = None) -> Result[None, CacheError]:
        """``SET`` the encoded value, with ``PX`` when ``ttl_s`` is given."""
        checked = check_ttl(ttl_s)
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        encoded = _encode(value, key)
        if not isinstance(encoded, Success):
            return Failure(encoded.failure())
        try:
            self._client.set(self._prefix + key, encoded.unwrap(), px=_px(ttl_s))
        except _FAILURES as exc:
            return Failure(_failed(exc, "SET", key))
        return Success(None)

    def delete(self, key: str, /) -> Result[bool, CacheError]:
        """``UNLINK`` the key; ``Ok(True)`` when it held a live entry."""
        try:
            removed: object = self._client.unlink(self._prefix + key)
        except _FAILURES as exc:
            return Failure(_failed(exc, "UNLINK", key))
        return Success(removed == 1)

    def exists(self, key: str, /) -> Result[bool, CacheError]:
        """``EXISTS``: whether the key holds a live entry."""
        try:
            found: object = self._client.exists(self._prefix + key)
        except _FAILURES as exc:
            return Failure(_failed(exc, "EXISTS", key))
        return Success(found == 1)

    def clear(self) -> Result[int, CacheError]:
        """``UNLINK`` every key of this namespace, a ``SCAN`` page at a time; how many."""
        pattern = self._prefix + "*"
        removed, cursor = 0, 0
        try:
            while True:
                # redis-py leaves scan's **kwargs unannotated; the reply itself is typed.
                cursor, keys = self._client.scan(cursor, match=pattern, count=_SCAN_COUNT)  # pyright: ignore[reportUnknownMemberType]
                if keys:
                    removed += self._client.unlink(*keys)
                if cursor == 0:
                    return Success(removed)
        except _FAILURES as exc:
            return Failure(_failed(exc, "SCAN/UNLINK", pattern))

    def get_or_set(
        self, key: str, factory: Callable[[], V], /, *, ttl_s: float | None = None
    ) -> Result[V, CacheError]:
        """The cached value, or ``factory()`` stored with ``SET NX`` and returned.

        When another client stored a value first, that value is returned instead.
        """
        checked = check_ttl(ttl_s)
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        found = self.get(key)
        if not isinstance(found, Success):
            return Failure(found.failure())
        lookup: Lookup[V] = found.unwrap()
        if isinstance(lookup, Hit):
            return Success(lookup.value)
        return self._store_first(key, factory(), ttl_s)

    def _store_first(self, key: str, value: V, ttl_s: float | None) -> Result[V, CacheError]:
        """``SET NX`` ``value``; when another client stored first, its value instead."""
        encoded = _encode(value, key)
        if not isinstance(encoded, Success):
            return Failure(encoded.failure())
        try:
            stored: object = self._client.set(self._prefix + key, encoded.unwrap(), px=_px(ttl_s), nx=True)
            raw: object = None if stored else self._client.get(self._prefix + key)
        except _FAILURES as exc:
            return Failure(_failed(exc, "SET NX", key))
        if raw is None:  # ours was stored, or the winner's entry is already gone again
            return Success(value)
        return self._decode(raw, key)

    def _decode(self, raw: object, key: str) -> Result[V, CacheError]:
        if not isinstance(raw, bytes):
            msg = f"redis returned {type(raw).__name__} for {key!r}; the client must not decode responses"
            return Failure(SourceUnavailableError(msg, source="redis", retryable=False))
        try:
            return Success(self._decoder.decode(raw))
        except msgspec.DecodeError as exc:
            return Failure(
                ValidationError(
                    f"cached value under {key!r} does not decode: {exc}",
                    field="value",
                    constraint="decodes to the cache's value_type",
                    context={"namespace": self._namespace, "key": key},
                )
            )


def _encode(value: object, key: str) -> Result[bytes, CacheError]:
    try:
        return Success(_ENCODER.encode(value))
    except _ENCODE_ERRORS as exc:
        return Failure(
            ValidationError(
                f"cannot cache a {type(value).__qualname__} under {key!r}: {exc}",
                field="value",
                value=value,
                constraint="msgspec-encodable",
            )
        )


def _px(ttl_s: float | None) -> int | None:
    """Whole milliseconds, rounded up: Redis never drops an entry before ``ttl_s`` passed."""
    return None if ttl_s is None else max(1, math.ceil(ttl_s * 1000))


def _failed(exc: Exception, command: str, key: str) -> CacheError:
    if isinstance(exc, UnicodeEncodeError):
        msg = f"a cache key must be encodable as UTF-8: {exc}"
        return ValidationError(msg, field="key", value=ascii(key), constraint="UTF-8 text")
    if isinstance(exc, UnicodeDecodeError):
        msg = f"redis cache {command}: the client must not decode responses (decode_responses=False): {exc}"
        return SourceUnavailableError(msg, source="redis", retryable=False, context={"key": key}, cause=exc)
    return SourceUnavailableError(
        f"redis cache {command}: {type(exc).__name__}: {exc}",
        source="redis",
        retryable=retryable(exc),
        context={"key": key, "command": command},
        cause=exc,
    )
