"""Redis restarted under a cache and a rate limiter: typed errors while it is down, then back.

The tests start their own ``redis-server`` on a free port (the shared one on 6379 serves
other tests), kill it with SIGKILL mid-use, and start it again on the same port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from returns.result import Failure, Success

from spine.cache.backend import Hit, Miss
from spine.cache.redis_cache import RedisCache
from spine.core.errors import RateLimitedError, SourceUnavailableError
from spine.execution.limiter import TokenBucket
from spine.execution.redis_limiter import RedisLimiter
from spine.testing import FakeClock, FakeSleeper

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A private redis-server that can be killed and started again on its port."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is not installed")
        self.process = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        pytest.fail("the private redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path)
    srv.start()
    yield srv
    if srv.process is not None and srv.process.poll() is None:
        srv.kill()


@pytest.fixture
def client(server: Server) -> Iterator[redis.Redis]:
    # No client-side retries (redis-py retries with back-off by default): the point is what
    # spine does when a call fails.
    connection = redis.Redis(
        host="127.0.0.1",
        port=server.port,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        retry=Retry(NoBackoff(), 0),
    )
    yield connection
    connection.close()


def test_the_cache_fails_as_values_while_redis_is_down_and_works_after_a_restart(
    server: Server, client: redis.Redis
) -> None:
    cache: RedisCache[int] = RedisCache(client, namespace="restart", value_type=int)
    assert cache.set("a", 1) == Success(None)
    assert cache.get("a") == Success(Hit(1))

    server.kill()
    for operation in (
        lambda: cache.get("a"),
        lambda: cache.set("b", 2),
        lambda: cache.delete("a"),
        lambda: cache.exists("a"),
        cache.clear,
    ):
        outcome = operation()
        assert isinstance(outcome, Failure)
        error = outcome.failure()
        assert isinstance(error, SourceUnavailableError)
        assert error.retryable

    server.start()
    assert cache.get("a") == Success(Miss())  # nothing was persisted: a miss, not an error
    assert cache.set("a", 3) == Success(None)
    assert cache.get("a") == Success(Hit(3))


def test_the_limiter_fails_as_values_while_redis_is_down_and_works_after_a_restart(
    server: Server, client: redis.Redis
) -> None:
    clock = FakeClock()
    limiter = RedisLimiter(
        client,
        TokenBucket(capacity=2, refill_per_s=0.001),
        prefix="restart",
        clock=clock,
        sleeper=FakeSleeper(clock),
    )
    assert limiter.try_acquire("k") == Success(None)
    assert limiter.try_acquire("k") == Success(None)
    refused = limiter.try_acquire("k")
    assert isinstance(refused, Failure)
    assert isinstance(refused.failure(), RateLimitedError)

    server.kill()
    down = limiter.try_acquire("k")
    assert isinstance(down, Failure)
    assert isinstance(down.failure(), SourceUnavailableError)
    assert down.failure().retryable
    blocked = limiter.acquire("k", timeout_s=0.5)
    assert isinstance(blocked, Failure)
    assert isinstance(blocked.failure(), SourceUnavailableError)

    server.start()  # an empty server: the script is loaded again and the bucket starts full
    assert limiter.try_acquire("k") == Success(None)
    assert limiter.try_acquire("k") == Success(None)
    assert isinstance(limiter.try_acquire("k"), Failure)
