"""One contract for every ``Limiter``: the in-process ``RateLimiter`` and ``RedisLimiter``.

The contract runs both on a ``FakeClock`` (the Redis one with ``time_source="clock"``), so the
two must agree with the pure algorithm decision by decision. Then Redis alone: namespacing and
expiry, NOSCRIPT recovery, server time, a global limit held across threads and processes, and
outages that come back as ``Err`` values.
"""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from returns.result import Failure, Result, Success

from spine.core.errors import RateLimitedError, SourceUnavailableError
from spine.core.system import SystemClock, SystemSleeper
from spine.execution.limiter import Granted, LimitPolicy, LimitState, SlidingWindow, TokenBucket, take
from spine.execution.limiter_shell import Limiter, RateLimiter, limited
from spine.execution.redis_limiter import RedisLimiter
from spine.testing import FakeClock, FakeSleeper
from tests.services import require

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
NO_RETRY = Retry(NoBackoff(), 0)  # redis-py retries refused connections by default: one answer here
type AnyLimitError = RateLimitedError | SourceUnavailableError
POLICIES: dict[str, LimitPolicy] = {
    "bucket": TokenBucket(capacity=3, refill_per_s=2.0),
    "window": SlidingWindow(limit=3, window_s=10.0),
}


@pytest.fixture(scope="module")
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(require("redis"), socket_timeout=2.0, socket_connect_timeout=2.0)
    yield connection
    connection.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    name = f"spine-test:{uuid.uuid4().hex}"
    yield name
    for key in client.scan_iter(match=f"{name}:*"):
        client.delete(key)


@dataclass
class Harness:
    limiter: Limiter[AnyLimitError]
    clock: FakeClock
    sleeper: FakeSleeper
    now: Callable[[], float]  # the time the limiter decides with


@pytest.fixture(params=["memory", "redis"])
def make(request: pytest.FixtureRequest) -> Callable[[LimitPolicy], Harness]:
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    if request.param == "memory":
        return lambda policy: Harness(
            RateLimiter(policy, clock=clock, sleeper=sleeper), clock, sleeper, clock.monotonic
        )
    connection: redis.Redis = request.getfixturevalue("client")
    name: str = request.getfixturevalue("prefix")

    def build(policy: LimitPolicy) -> Harness:
        limiter = RedisLimiter(
            connection, policy, prefix=name, clock=clock, sleeper=sleeper, time_source="clock"
        )
        return Harness(limiter, clock, sleeper, lambda: clock.now().timestamp())

    return build


@pytest.fixture(params=sorted(POLICIES))
def policy(request: pytest.FixtureRequest) -> LimitPolicy:
    return POLICIES[request.param]


def wait_of(outcome: Result[None, AnyLimitError]) -> float:
    error = outcome.failure()
    assert isinstance(error, RateLimitedError), error
    assert error.retry_after_s is not None
    return error.retry_after_s


# --- the contract ----------------------------------------------------------------------------


def test_grants_the_capacity_then_says_when_to_come_back(
    make: Callable[[LimitPolicy], Harness], policy: LimitPolicy
) -> None:
    h = make(policy)
    assert [h.limiter.try_acquire("api") for _ in range(3)] == [Success(None)] * 3
    assert wait_of(h.limiter.try_acquire("api")) > 0


def test_retry_after_is_honoured(make: Callable[[LimitPolicy], Harness], policy: LimitPolicy) -> None:
    h = make(policy)
    h.limiter.try_acquire("api", 3)
    wait = wait_of(h.limiter.try_acquire("api", 2))
    h.clock.advance(wait - 1e-3)
    assert isinstance(h.limiter.try_acquire("api", 2), Failure)
    h.clock.advance(1e-3)
    assert h.limiter.try_acquire("api", 2) == Success(None)


def test_keys_are_independent(make: Callable[[LimitPolicy], Harness], policy: LimitPolicy) -> None:
    h = make(policy)
    assert h.limiter.try_acquire("a", 3) == Success(None)
    assert h.limiter.try_acquire("b", 3) == Success(None)
    assert isinstance(h.limiter.try_acquire("a"), Failure)


def test_a_cost_above_capacity_is_a_value_error(
    make: Callable[[LimitPolicy], Harness], policy: LimitPolicy
) -> None:
    h = make(policy)
    with pytest.raises(ValueError, match="never be granted"):
        h.limiter.try_acquire("api", 4)
    with pytest.raises(ValueError, match="never be granted"):
        h.limiter.acquire("api", 4)


def test_acquire_sleeps_the_computed_wait_then_succeeds(
    make: Callable[[LimitPolicy], Harness], policy: LimitPolicy
) -> None:
    h = make(policy)
    h.limiter.try_acquire("api", 3)
    wait = wait_of(h.limiter.try_acquire("api"))
    assert h.limiter.acquire("api", timeout_s=60.0) == Success(None)
    assert h.sleeper.sleeps == [wait]


def test_acquire_times_out_without_sleeping(
    make: Callable[[LimitPolicy], Harness], policy: LimitPolicy
) -> None:
    h = make(policy)
    h.limiter.try_acquire("api", 3)
    wait = wait_of(h.limiter.try_acquire("api"))
    error = h.limiter.acquire("api", timeout_s=wait / 2).failure()
    assert isinstance(error, RateLimitedError)
    assert error.retry_after_s == wait
    assert h.sleeper.sleeps == []


def test_limited_guards_a_function(make: Callable[[LimitPolicy], Harness], policy: LimitPolicy) -> None:
    h = make(policy)

    @limited(h.limiter, "fn", n=2)
    def work(x: int) -> Result[int, SourceUnavailableError]:
        return Success(x * 2)

    assert work(21) == Success(42)
    assert isinstance(work(1).failure(), RateLimitedError)


def test_decisions_follow_the_pure_algorithm(
    make: Callable[[LimitPolicy], Harness], policy: LimitPolicy
) -> None:
    """Both interpreters run ``take``: same grants, same waits (Redis rounds up to 1-2 µs)."""
    h = make(policy)
    rng = random.Random(20250103)
    states: dict[str, LimitState] = {}
    granted = 0
    for _ in range(150):
        h.clock.advance(rng.choice([0.0, 0.0, 0.01, 0.3, 1.7, 4.0]))
        key, n = rng.choice("xy"), rng.randint(1, 3)
        states[key], expected = take(policy, states.get(key), h.now(), n)
        outcome = h.limiter.try_acquire(key, n)
        if isinstance(expected, Granted):
            assert outcome == Success(None)
            granted += 1
        else:
            assert 0 <= wait_of(outcome) - expected.retry_after_s <= 2.1e-6
    assert 30 < granted < 120  # both kinds of decision were compared, many times


# --- Redis alone ------------------------------------------------------------------------------


def system_limiter(client: redis.Redis, policy: LimitPolicy, prefix: str) -> RedisLimiter:
    return RedisLimiter(client, policy, prefix=prefix, clock=SystemClock(), sleeper=SystemSleeper())


def test_state_is_namespaced_and_expires_when_idle(client: redis.Redis, prefix: str) -> None:
    # A slow refill, so the key outlives a busy machine's pause between these lines.
    limiter = system_limiter(client, TokenBucket(capacity=10, refill_per_s=0.5), prefix)
    assert limiter.try_acquire("api", 4) == Success(None)
    assert [k.decode() for k in client.scan_iter(match=f"{prefix}:*")] == [f"{prefix}:tb:api"]
    assert 0 < client.pttl(limiter.key_of("api")) <= 4 / 0.5 * 1000 + 2
    window = system_limiter(client, SlidingWindow(limit=5, window_s=1.0), prefix)
    assert window.try_acquire("api") == Success(None)
    assert 0 < client.pttl(window.key_of("api")) <= 2 * 1000 + 2
    assert window.key_of("api") == f"{prefix}:sw:api"


def test_a_flushed_script_cache_is_recovered_with_eval(client: redis.Redis, prefix: str) -> None:
    limiter = system_limiter(client, SlidingWindow(limit=2, window_s=60.0), prefix)
    assert limiter.try_acquire("api") == Success(None)
    client.script_flush()
    assert limiter.try_acquire("api") == Success(None)
    assert isinstance(limiter.try_acquire("api"), Failure)


def test_server_time_limits_real_traffic(client: redis.Redis, prefix: str) -> None:
    limiter = system_limiter(client, TokenBucket(capacity=2, refill_per_s=20.0), prefix)
    assert [limiter.try_acquire("api") for _ in range(2)] == [Success(None)] * 2
    assert 0 < wait_of(limiter.try_acquire("api")) <= 0.05 + 1e-3
    assert limiter.acquire("api", timeout_s=1.0) == Success(None)


CHILD = """
import sys, threading
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from returns.result import Success
from spine.core.system import SystemClock, SystemSleeper
from spine.execution.limiter import TokenBucket
from spine.execution.redis_limiter import RedisLimiter

url, prefix = sys.argv[1], sys.argv[2]
policy = TokenBucket(capacity=40, refill_per_s=0.001)
granted = []

def work():
    client = redis.Redis.from_url(url)
    limiter = RedisLimiter(client, policy, prefix=prefix, clock=SystemClock(), sleeper=SystemSleeper())
    granted.append(sum(isinstance(limiter.try_acquire("global"), Success) for _ in range(25)))

threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(sum(granted))
"""


def test_the_limit_is_global_across_processes_and_threads(client: redis.Redis, prefix: str) -> None:
    url = require("redis")
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, prefix], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    granted = 0
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        granted += int(out)
    # 4 processes x 4 threads x 25 attempts = 400 attempts at a bucket of 40 (refill: 1 per 1000 s).
    assert granted == 40


def test_the_window_is_global_across_clients(client: redis.Redis, prefix: str) -> None:
    policy = SlidingWindow(limit=30, window_s=3600.0)
    results: list[bool] = []
    guard = threading.Lock()

    def work() -> None:
        own = redis.Redis.from_url(require("redis"))
        limiter = system_limiter(own, policy, prefix)
        outcomes = [isinstance(limiter.try_acquire("global"), Success) for _ in range(20)]
        with guard:
            results.extend(outcomes)
        own.close()

    workers = [threading.Thread(target=work) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert len(results) == 120
    assert sum(results) == 30


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_redis_refusing_connections_is_a_retryable_err_not_an_exception() -> None:
    unreachable = redis.Redis(
        host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.5, retry=NO_RETRY
    )
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    limiter = RedisLimiter(unreachable, POLICIES["bucket"], prefix="p", clock=clock, sleeper=sleeper)
    error = limiter.try_acquire("api").failure()
    assert isinstance(error, SourceUnavailableError)
    assert error.retryable
    assert error.source == "redis"
    assert "onnect" in error.message
    assert isinstance(limiter.acquire("api", timeout_s=10.0).failure(), SourceUnavailableError)
    assert sleeper.sleeps == []  # an outage is not waited out here: that is the retry policy's job


def test_a_hung_redis_is_a_retryable_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        hung = redis.Redis(
            host="127.0.0.1", port=port, socket_timeout=0.2, socket_connect_timeout=0.2, retry=NO_RETRY
        )
        clock = FakeClock()
        limiter = RedisLimiter(hung, POLICIES["window"], prefix="p", clock=clock, sleeper=FakeSleeper(clock))
        error = limiter.try_acquire("api").failure()
    assert isinstance(error, SourceUnavailableError)
    assert error.retryable
    assert "Timeout" in error.message


def test_a_key_holding_something_else_is_a_non_retryable_err(client: redis.Redis, prefix: str) -> None:
    limiter = system_limiter(client, POLICIES["bucket"], prefix)
    client.hset(limiter.key_of("api"), "x", "1")
    error = limiter.try_acquire("api").failure()
    assert isinstance(error, SourceUnavailableError)
    assert not error.retryable
    assert "WRONGTYPE" in error.message
