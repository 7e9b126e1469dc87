"""Celery apps, workers and dispatchers for the integration tests, once per broker.

Every test session serves its own queues (``spine-t-<uuid>``), so concurrent sessions on the
same broker never take each other's tasks; the queues are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import final

import pytest
from celery import Celery

from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
from spine.execution.celery import CeleryExecutor, create_app
from spine.execution.dispatcher import Dispatcher
from spine.execution.dlq import DLQManager
from spine.execution.jitter import JitterMode
from spine.execution.ledger import ExecutionLedger
from spine.execution.random_source import SystemRandom
from spine.execution.retry import RetryPolicy
from spine.storage.database import Database
from spine.storage.migrations import migrate
from tests.integration.celery import handlers
from tests.integration.celery.workers import REGISTRY, Worker, delete_queue, start_worker
from tests.integration.storage.isolated import isolated
from tests.services import require

QUICK_RETRY = RetryPolicy(max_attempts=3, base_s=0.05, factor=1.0, jitter=JitterMode.NONE)


class Harness:
    """A Dispatcher on SQLite whose executor is a ``CeleryExecutor`` on ``queue``."""

    def __init__(self, db: Database, app: Celery, queue: str, **executor_options: float) -> None:
        clock, ids = SystemClock(), SystemIdSource()
        self.ledger = ExecutionLedger(db, ids=ids, clock=clock)
        self.dlq = DLQManager(db, ids=ids, clock=clock)
        self.executor = CeleryExecutor(app, queue=queue, **executor_options)
        self.dispatcher = Dispatcher(
            db,
            handlers.registry,
            events=self.ledger,
            dead_letters=self.dlq,
            ids=ids,
            clock=clock,
            sleeper=SystemSleeper(),
            random=SystemRandom(),
            executor=self.executor,
        )

    def types(self, run_id: str) -> list[str]:
        return [event.event_type for event in self.ledger.events(run_id).unwrap()]


@pytest.fixture(scope="session", params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest) -> str:
    """The broker URL: each test runs against Redis and against RabbitMQ."""
    return require(str(request.param))


@pytest.fixture(scope="session")
def backend_url() -> str:
    return require("redis")


@pytest.fixture(scope="session")
def app(broker: str, backend_url: str) -> Iterator[Celery]:
    celery_app = create_app(broker_url=broker, result_backend=backend_url, registry_ref=REGISTRY)
    yield celery_app
    celery_app.close()


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("celery-logs")


def _shared(app: Celery, broker: str, backend_url: str, logs: Path, pool: str) -> Iterator[Worker]:
    started = start_worker(broker, backend_url, f"spine-t-{uuid.uuid4().hex[:12]}", logs, pool=pool)
    started.wait_ready()
    yield started
    started.stop()
    delete_queue(app, started.queue)


@pytest.fixture(scope="session")
def worker(app: Celery, broker: str, backend_url: str, logs: Path) -> Iterator[Worker]:
    """A solo worker the ordinary tests share."""
    yield from _shared(app, broker, backend_url, logs, "solo")


@pytest.fixture(scope="session")
def prefork(app: Celery, broker: str, backend_url: str, logs: Path) -> Iterator[Worker]:
    """A prefork worker with one child, shared: its main process takes revokes while the child works."""
    yield from _shared(app, broker, backend_url, logs, "prefork")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with isolated("sqlite", tmp_path) as (database, _):
        clock = SystemClock()
        migrate(database, clock=clock, sleeper=SystemSleeper(), owner="t").unwrap()
        yield database


@pytest.fixture
def harness(db: Database, app: Celery, worker: Worker) -> Iterator[Harness]:
    h = Harness(db, app, worker.queue, lost_after_s=30.0)
    yield h
    h.executor.shutdown(wait=False)


@pytest.fixture
def prefork_harness(db: Database, app: Celery, prefork: Worker) -> Iterator[Harness]:
    """No timeouts and a long loss deadline: what ends an attempt here is the worker's doing."""
    h = Harness(db, app, prefork.queue, lost_after_s=120.0)
    yield h
    h.executor.shutdown(wait=False)


@final
class Site:
    """A private queue, for tests that start (and kill) their own workers."""

    def __init__(self, app: Celery, broker: str, backend_url: str, logs: Path) -> None:
        self.app, self.broker, self.backend_url, self.logs = app, broker, backend_url, logs
        self.queue = f"spine-t-{uuid.uuid4().hex[:12]}"
        self.workers: list[Worker] = []
        self.harnesses: list[Harness] = []

    def spawn(self) -> Worker:
        """A solo worker on this queue (started; call ``wait_ready``)."""
        started = start_worker(self.broker, self.backend_url, self.queue, self.logs)
        self.workers.append(started)
        return started

    def harness(self, db: Database, *, lost_after_s: float = 30.0) -> Harness:
        h = Harness(db, self.app, self.queue, lost_after_s=lost_after_s)
        self.harnesses.append(h)
        return h

    def close(self) -> None:
        for h in self.harnesses:
            h.executor.shutdown(wait=False)
        for started in self.workers:
            started.stop()
        delete_queue(self.app, self.queue)


@pytest.fixture
def site(app: Celery, broker: str, backend_url: str, logs: Path) -> Iterator[Site]:
    private = Site(app, broker, backend_url, logs)
    yield private
    private.close()
