"""Which redis-py errors mean "try again later": one answer for every spine Redis adapter.

A server that is down, loading, read-only (a failover under way), busy in a cluster or out
of memory fails retryably; refused credentials and permissions do not (redis-py raises
those as ``ConnectionError`` subclasses, so they are taken back out). ``OSError`` covers a
socket that died under the client.
"""

from __future__ import annotations

from typing import Final

from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    ClusterDownError,
    OutOfMemoryError,
    ReadOnlyError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["retryable"]

_RETRYABLE: Final = (
    RedisConnectionError,
    RedisTimeoutError,
    ReadOnlyError,
    TryAgainError,
    ClusterDownError,
    OutOfMemoryError,
    OSError,
)


def retryable(exc: BaseException, /) -> bool:
    """True when a Redis call that raised ``exc`` may succeed if tried again later.

    >>> from redis.exceptions import BusyLoadingError, ResponseError
    >>> retryable(BusyLoadingError("loading")), retryable(AuthenticationError("no"))
    (True, False)
    >>> retryable(ResponseError("WRONGTYPE"))
    False
    """
    return isinstance(exc, _RETRYABLE) and not isinstance(exc, AuthenticationError | AuthorizationError)
