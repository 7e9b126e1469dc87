"""A rate limit shared by many processes: the pure algorithms of ``limiter.py`` as Redis Lua.

# Theory of operation
# -------------------
# Each ``try_acquire`` is one EVALSHA (EVAL when the server answers NOSCRIPT, after a restart
# or SCRIPT FLUSH) of the same algorithm as :func:`spine.execution.limiter.take`, transcribed
# line for line so both give the same decision and the same ``retry_after_s`` for the same
# inputs (the contract suite runs one set of tests against both). A script runs atomically,
# so the read-decide-write of one key is never interleaved with another client's.
#
# State lives at ``{prefix}:tb:{key}`` (token bucket: full_at) or ``{prefix}:sw:{key}``
# (sliding window: "index previous current"), as ``%.17g`` text so floats round-trip exactly,
# with a PX expiry at the state's ``idle_at``: an idle key decides like a missing one, so
# Redis drops it and memory stays bounded by the keys used lately. Denials write nothing.
#
# Time: by default the script reads the server's clock (``TIME``), so every client shares one
# clock and client clock skew cannot matter (a client whose clock ran ahead would otherwise
# see tokens refilled early and over-admit). The server clock is wall time: a step of it
# (NTP) is handled as in ``take`` (backwards: conservative; forwards: refill early).
# ``time_source="clock"`` passes ``clock.now()`` instead: deterministic for tests with a
# ``FakeClock``, but then all clients' clocks must agree to within the precision you need.
# Waiting (``acquire``) always measures its deadline on the local monotonic clock.
#
# Redis failures (refused, timeout, loading, read-only replica) are returned as retryable
# ``SourceUnavailableError``s, anything else Redis says (a wrong-typed key, no permission) as
# non-retryable ones: never raised. Whether to fail open then is the caller's choice (``.lash``).
"""

from __future__ import annotations

import hashlib
import math
from typing import Final, Literal, cast, final

import redis
from redis.exceptions import (
    NoScriptError,
    RedisError,
)
from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import RateLimitedError, SourceUnavailableError
from spine.execution.limiter import LimitPolicy, TokenBucket, check_cost
from spine.execution.limiter_shell import acquire_blocking
from spine.execution.redis_errors import retryable

__all__ = ["RedisLimiter"]

type LimitError = RateLimitedError | SourceUnavailableError

_COMMON: Final = """
local function f(x) return string.format('%.17g', x) end
local function ulp(x)
  local _, e = math.frexp(x)
  return math.ldexp(1, e - 53)
end
local function settle(grants, now, ready)
  local step = ulp(ready)
  for _ = 1, 64 do
    if grants(ready) then
      local wait = math.max(ready - now, 0)
      while now + wait < ready do
        if wait == 0 then wait = math.ldexp(1, -1074) else wait = wait + ulp(wait) end
      end
      return wait
    end
    ready = ready + step
    step = step * 2
  end
  error('spine limiter: no grant near ' .. f(ready))
end
local n = tonumber(ARGV[3])
local now
if ARGV[4] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[4])
end
local function keep(value, idle)
  redis.call('SET', KEYS[1], value, 'PX', math.max(math.ceil((idle - now) * 1000) + 1, 1))
end
"""

_BUCKET: Final = (
    _COMMON
    + """
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local full_at = tonumber(redis.call('GET', KEYS[1]) or '')
if full_at == nil or full_at <= now then
  local new = now + n / rate
  keep(f(new), new)
  return {1, ''}
end
local slack = (capacity - n) / rate
if full_at - now <= slack then
  local new = full_at + n / rate
  keep(f(new), new)
  return {1, ''}
end
local wait = settle(function(t) return math.max(full_at, t) - t <= slack end, now, full_at - slack)
return {0, f(wait)}
"""
)

_WINDOW: Final = (
    _COMMON
    + """
local limit, width = tonumber(ARGV[1]), tonumber(ARGV[2])
local function align(si, sp, sc, t)
  local index = math.floor(t / width)
  local gap = index - si
  if gap == 0 then return index, sp, sc end
  if gap == 1 then return index, sc, 0 end
  if gap > 1 then return index, 0, 0 end
  return si, sp, sc
end
local function fits(index, previous, current, t)
  local used = current + n
  if previous ~= 0 then used = used + previous * (1.0 - math.max(t - index * width, 0) / width) end
  return used <= limit
end
local stored = redis.call('GET', KEYS[1])
local index, previous, current = math.floor(now / width), 0, 0
if stored then
  local si, sp, sc = string.match(stored, '^(%S+) (%S+) (%S+)$')
  index, previous, current = align(tonumber(si), tonumber(sp), tonumber(sc), now)
end
if fits(index, previous, current, now) then
  keep(f(index) .. ' ' .. f(previous) .. ' ' .. f(current + n), (index + 2) * width)
  return {1, ''}
end
local start, ready = index * width, 0
if current + n <= limit then
  ready = start + width * (1.0 - (limit - n - current) / previous)
else
  ready = start + width + width * (1.0 - (limit - n) / current)
end
local wait = settle(function(t)
  local i, p, c = align(index, previous, current, t)
  return fits(i, p, c, t)
end, now, ready)
return {0, f(wait)}
"""
)


@final
class RedisLimiter:
    """``Limiter`` over Redis: one limit shared by every process that uses the same prefix.

    ``client`` should be built with ``socket_timeout`` and ``socket_connect_timeout`` set, so a
    hung server becomes a ``SourceUnavailableError`` rather than a hung caller.
    """

    __slots__ = (
        "_args",
        "_client",
        "_clock",
        "_namespace",
        "_policy",
        "_script",
        "_sha",
        "_sleeper",
        "_time",
    )

    def __init__(
        self,
        client: redis.Redis,
        policy: LimitPolicy,
        *,
        prefix: str,
        clock: Clock,
        sleeper: Sleeper,
        time_source: Literal["server", "clock"] = "server",
    ) -> None:
        if isinstance(policy, TokenBucket):
            kind, script, size, pace = "tb", _BUCKET, policy.capacity, policy.refill_per_s
        else:
            kind, script, size, pace = "sw", _WINDOW, policy.limit, policy.window_s
        self._client: Final = client
        self._policy: Final = policy
        self._clock: Final = clock
        self._sleeper: Final = sleeper
        self._time: Final = time_source
        self._namespace: Final = f"{prefix}:{kind}:"
        self._script: Final = script
        self._sha: Final = hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
        self._args: Final = (str(size), repr(float(pace)))

    @property
    def policy(self) -> LimitPolicy:
        """The policy every key is limited by."""
        return self._policy

    def key_of(self, key: str) -> str:
        """The Redis key holding ``key``'s state."""
        return self._namespace + key

    def try_acquire(self, key: str, n: int = 1) -> Result[None, LimitError]:
        """Take ``n`` units for ``key`` now, or an ``Err`` saying why and when to retry.

        ``n`` outside ``1..capacity`` is a ``ValueError``: it could never be granted.
        """
        check_cost(self._policy, n)
        now = "" if self._time == "server" else repr(self._clock.now().timestamp())
        args = (self._namespace + key, *self._args, str(n), now)
        try:
            try:
                reply: object = self._client.evalsha(self._sha, 1, *args)
            except NoScriptError:
                reply = self._client.eval(self._script, 1, *args)
        except (RedisError, OSError) as exc:
            return Failure(_unavailable(exc, key))
        return _decision(reply, key, n)

    def acquire(self, key: str, n: int = 1, *, timeout_s: float | None = None) -> Result[None, LimitError]:
        """Take ``n`` units for ``key``, sleeping through the injected sleeper until granted.

        Gives up with ``Err(RateLimitedError)`` as soon as the first grantable instant lies
        beyond ``timeout_s``; a Redis failure is returned at once, without waiting.
        """
        return acquire_blocking(
            lambda: self.try_acquire(key, n), clock=self._clock, sleeper=self._sleeper, timeout_s=timeout_s
        )


def _decision(reply: object, key: str, n: int) -> Result[None, LimitError]:
    if isinstance(reply, list) and len(answer := cast("list[object]", reply)) == 2:
        granted, wait = answer
        if granted == 1:
            return Success(None)
        if isinstance(wait, bytes | str):
            exact = float(wait)
            if math.isfinite(exact) and exact >= 0:
                # Redis and datetime clocks tick in microseconds and a timestamp near 1.7e9
                # rounds to ~0.24 µs: round up to the next microsecond, plus one, so that a
                # retry after the wait lands at or past the instant the script computed.
                retry_after_s = (math.ceil(exact * 1e6) + 1) / 1e6
                return Failure(
                    RateLimitedError(
                        f"rate limit reached for {key!r}",
                        retry_after_s=retry_after_s,
                        context={"key": key, "units": n},
                    )
                )
    return Failure(
        SourceUnavailableError(
            f"unexpected reply from the limiter script: {reply!r}", source="redis", retryable=False
        )
    )


def _unavailable(exc: BaseException, key: str) -> SourceUnavailableError:
    return SourceUnavailableError(
        f"redis rate limiter: {type(exc).__name__}: {exc}",
        source="redis",
        retryable=retryable(exc),
        context={"key": key},
        cause=exc,
    )
