"""A durable workflow whose operation steps, map items and parallel branches run on Celery workers.

The TrackedWorkflowRunner keeps the state (checkpoints, ledger) in SQLite; each operation is
one Celery task through the ``CeleryExecutor``, on Redis and on RabbitMQ.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery import Celery
from returns.result import Success

from spine.core.system import SystemClock, SystemIdSource
from spine.execution.celery import CeleryExecutor
from spine.execution.dlq import DLQManager
from spine.execution.ledger import ExecutionLedger
from spine.orchestration import TrackedWorkflowRunner, chain, lift, map_each, operation, parallel, workflow
from spine.storage.database import Database
from tests.integration.celery.handlers import Add
from tests.integration.celery.workers import Worker

pytestmark = pytest.mark.integration


def pairs(n: int) -> tuple[Add, ...]:
    return tuple(Add(a=i, b=i) for i in range(n))


def first(n: int) -> Add:
    return Add(a=n, b=1)


def second(n: int) -> Add:
    return Add(a=n, b=2)


def total(values: tuple[int, ...]) -> int:
    return sum(values)


def both(pair: tuple[int, int]) -> int:
    return pair[0] * pair[1]


@pytest.fixture
def executor(app: Celery, worker: Worker) -> Iterator[CeleryExecutor]:
    running = CeleryExecutor(app, queue=worker.queue, lost_after_s=30.0)
    yield running
    running.shutdown(wait=False)


def test_map_and_parallel_operations_fan_out_to_celery(db: Database, executor: CeleryExecutor) -> None:
    clock, ids = SystemClock(), SystemIdSource()
    runner = TrackedWorkflowRunner(
        db,
        owner="celery-test",
        clock=clock,
        ids=ids,
        executor=executor,
        dead_letters=DLQManager(db, ids=ids, clock=clock),
    )
    add = operation("add", params=Add, result=int)
    fan = chain(
        lift(pairs, name="pairs"),
        map_each(add.named("add_each"), concurrency=4, name="each"),
        lift(total, name="sum"),
    )
    branches = parallel(
        chain(lift(first, name="first"), add.named("add_1")),
        chain(lift(second, name="second"), add.named("add_2")),
    )
    flow = workflow("celery_fan_out", chain(fan, branches, lift(both, name="both")))

    report = runner.run(flow, 6, key="fan-out-6")
    n = sum(2 * i for i in range(6))  # 30
    assert report.result == Success((n + 1) * (n + 2))
    assert report.run_id is not None
    names = [c.step_name for c in runner.steps(report.run_id).unwrap()]
    assert sorted(names) == sorted(flow.step_names)
    assert ExecutionLedger(db, ids=ids, clock=clock).verify(report.run_id).unwrap().ok
    again = runner.run(flow, 6, key="fan-out-6")  # stored: nothing goes to Celery again
    assert again.result == report.result
    assert executor.in_flight() == 0
