"""The Dispatcher with a ``CeleryExecutor``: real workers, Redis and RabbitMQ brokers.

Runs go submit -> Celery task -> worker -> outcome -> status and ledger events, exactly as
with the in-process executors; retries are the spec's RetryPolicy applied by the Dispatcher,
dead letters are filed, cancellation revokes the task.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import msgspec
import pytest
import redis
from celery import Celery
from celery.backends.redis import RedisBackend

from spine.execution.celery.wire import encode_outcome
from spine.execution.retry import RetryPolicy
from spine.execution.runner import Outcome
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.storage.database import Database
from tests.integration.celery.conftest import QUICK_RETRY, Harness, Site
from tests.integration.celery.workers import Worker

pytestmark = pytest.mark.integration


def wait_for(path: Path, timeout_s: float = 15.0) -> str:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)
    time.sleep(0.05)  # let the writer finish
    return path.read_text()


def test_specs_run_on_the_worker_and_complete_with_their_ledger_events(harness: Harness) -> None:
    ids = [
        harness.dispatcher.submit(WorkSpec(name="add", params={"a": i, "b": 1})).unwrap() for i in range(5)
    ]
    runs = [harness.dispatcher.wait(run_id, 20.0).unwrap() for run_id in ids]
    assert [(r.status, r.attempt, r.result) for r in runs] == [
        (RunStatus.COMPLETED, 1, str(i + 1).encode()) for i in range(5)
    ]
    for run_id in ids:
        assert harness.types(run_id) == ["submitted", "queued", "started", "completed"]
        assert harness.ledger.verify(run_id).unwrap().ok
    assert harness.executor.in_flight() == 0


def test_a_handler_the_worker_rejects_is_dead_lettered_with_its_error(
    harness: Harness, tmp_path: Path
) -> None:
    # The dispatcher checks parameters before anything runs; a handler's own Err comes back.
    marker = tmp_path / "flaky"
    spec = WorkSpec(name="flaky", params={"marker": str(marker), "failures": 1})
    run = harness.dispatcher.wait(harness.dispatcher.submit(spec).unwrap(), 20.0).unwrap()
    assert run.status is RunStatus.DEAD_LETTERED
    assert run.error is not None
    assert (run.error.code, run.error.message) == ("transient.network", "try 1 failed")
    (letter,) = harness.dlq.list().unwrap()
    assert (letter.run_id, letter.attempts) == (run.run_id, 1)


def test_retryable_failures_are_retried_by_spines_policy_through_celery(
    harness: Harness, tmp_path: Path
) -> None:
    marker = tmp_path / "flaky"
    spec = WorkSpec(name="flaky", params={"marker": str(marker), "failures": 2}, retry=QUICK_RETRY)
    run = harness.dispatcher.wait(harness.dispatcher.submit(spec).unwrap(), 30.0).unwrap()
    assert (run.status, run.attempt, run.result) == (RunStatus.COMPLETED, 3, b'"ok after 3"')
    assert marker.read_text().count("try") == 3  # three tasks ran on the worker, no more
    types = harness.types(run.run_id)
    assert (types.count("started"), types.count("failed"), types.count("retrying")) == (3, 2, 2)


def test_exhausted_retries_are_dead_lettered_with_the_last_error(harness: Harness, tmp_path: Path) -> None:
    marker = tmp_path / "flaky"
    policy = RetryPolicy(max_attempts=2, base_s=0.05)
    spec = WorkSpec(name="flaky", params={"marker": str(marker), "failures": 9}, retry=policy)
    run = harness.dispatcher.wait(harness.dispatcher.submit(spec).unwrap(), 30.0).unwrap()
    assert (run.status, run.attempt) == (RunStatus.DEAD_LETTERED, 2)
    (letter,) = harness.dlq.list().unwrap()
    assert (letter.run_id, letter.attempts, letter.error.message) == (run.run_id, 2, "try 2 failed")
    assert harness.types(run.run_id)[-2:] == ["failed", "dead_lettered"]


def test_an_attempt_nobody_runs_times_out_instead_of_hanging(db: Database, site: Site) -> None:
    # No worker serves the site's queue: the attempt's deadline passes; ``expires`` would keep
    # a worker that turns up later from running it late.
    h = site.harness(db)
    spec = WorkSpec(name="add", params={"a": 1, "b": 1}, timeout_s=0.5)
    started = time.monotonic()
    run = h.dispatcher.wait(h.dispatcher.submit(spec).unwrap(), 20.0).unwrap()
    assert time.monotonic() - started < 10
    assert run.status is RunStatus.DEAD_LETTERED
    assert run.error is not None
    assert (run.error.code, run.error.retryable) == ("transient.timeout", True)


def test_shutdown_waits_for_attempts_in_flight_then_refuses_new_ones(
    db: Database, app: Celery, worker: Worker
) -> None:
    h = Harness(db, app, worker.queue, lost_after_s=30.0)
    run_id = h.dispatcher.submit(WorkSpec(name="add", params={"a": 2, "b": 2})).unwrap()
    h.executor.shutdown(wait=True)
    assert h.executor.in_flight() == 0
    assert h.dispatcher.wait(run_id, 5.0).unwrap().result == b"4"
    late = h.dispatcher.submit(WorkSpec(name="add", params={"a": 1, "b": 1})).unwrap()
    run = h.dispatcher.wait(late, 5.0).unwrap()
    assert run.status is RunStatus.DEAD_LETTERED
    assert run.error is not None
    assert run.error.code == "cancelled"


@pytest.mark.parametrize("finder", ["sweep", "deadline"])
def test_a_result_whose_message_was_lost_is_still_found(
    db: Database, site: Site, backend_url: str, finder: str
) -> None:
    # Redis pub/sub drops messages published while the subscriber reconnects. Here nobody
    # publishes: the result is only stored, as if its message had been dropped.
    sweeping = finder == "sweep"
    h = Harness(db, site.app, site.queue, lost_after_s=30.0, sweep_s=0.3 if sweeping else 60.0)
    site.harnesses.append(h)
    spec = WorkSpec(name="add", params={"a": 3, "b": 4}, timeout_s=None if sweeping else 1.0)
    run_id = h.dispatcher.submit(spec).unwrap()
    deadline = time.monotonic() + 5
    while not (flights := h.executor._flights.sent_before(math.inf)):  # the collector sends it
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (flight,) = flights
    meta = {"status": "SUCCESS", "result": encode_outcome(Outcome(run_id=run_id, attempt=1, value=b"7"))}
    backend = site.app.backend
    assert isinstance(backend, RedisBackend)
    key = backend.get_key_for_task(flight.task_id)
    client = redis.Redis.from_url(backend_url)
    try:
        client.set(key, msgspec.json.encode({**meta, "task_id": flight.task_id}), ex=60)
        run = h.dispatcher.wait(run_id, 10.0).unwrap()
    finally:
        client.delete(key)
        client.close()
    assert (run.status, run.result) == (RunStatus.COMPLETED, b"7")
