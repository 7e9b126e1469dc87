"""Workers killed mid-task: the run is retried or dead-lettered, never silently lost.

A SIGKILLed solo worker takes the attempt with it (its message was acknowledged when the
task started): no result ever comes, the attempt's deadline reports it lost (retryable),
and spine's RetryPolicy sends attempt 2 to whichever worker is alive. A SIGKILLed prefork
child is noticed by its parent at once (``WorkerLostError``), without waiting for a deadline.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import msgspec
import pytest

from spine.core.errors import ErrorRecord
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.storage.database import Database
from tests.integration.celery.conftest import QUICK_RETRY, Harness, Site
from tests.integration.celery.test_celery_executor import wait_for
from tests.integration.celery.workers import Worker

pytestmark = pytest.mark.integration


def failures(h: Harness, run_id: str) -> list[ErrorRecord]:
    events = h.ledger.events(run_id).unwrap()
    return [
        msgspec.json.decode(str(e.payload["error"]), type=ErrorRecord)
        for e in events
        if e.event_type == "failed"
    ]


def test_a_run_whose_worker_is_killed_mid_task_is_retried_on_another_worker(
    db: Database, site: Site, tmp_path: Path
) -> None:
    doomed = site.spawn()
    h = site.harness(db)
    doomed.wait_ready()
    marker = tmp_path / "stall"
    params = {"marker": str(marker), "seconds": 60}
    run_id = h.dispatcher.submit(
        WorkSpec(name="stall", params=params, timeout_s=3, retry=QUICK_RETRY)
    ).unwrap()
    assert int(wait_for(marker)) == doomed.pid
    doomed.kill()
    site.spawn().wait_ready()
    run = h.dispatcher.wait(run_id, 30.0).unwrap()
    assert (run.status, run.attempt, run.result) == (RunStatus.COMPLETED, 2, b'"second wind"')
    # Redis: no outcome before the deadline. RabbitMQ: the broker handed the message out again,
    # and the new worker refused to run it twice. Either way, one retryable failure.
    (lost,) = failures(h, run_id)
    assert lost.retryable
    assert "no outcome from Celery within 3 s" in lost.message or "was handed out again" in lost.message
    assert h.types(run_id).count("retrying") == 1


def test_a_run_whose_worker_is_killed_without_retries_left_is_dead_lettered(
    db: Database, site: Site, tmp_path: Path
) -> None:
    doomed = site.spawn()
    h = site.harness(db)
    doomed.wait_ready()
    marker = tmp_path / "stall"
    run_id = h.dispatcher.submit(
        WorkSpec(name="stall", params={"marker": str(marker), "seconds": 60}, timeout_s=2)
    ).unwrap()
    wait_for(marker)
    doomed.kill()
    run = h.dispatcher.wait(run_id, 20.0).unwrap()
    assert run.status is RunStatus.DEAD_LETTERED
    assert run.error is not None
    assert (run.error.code, run.error.retryable) == ("transient.timeout", True)
    (letter,) = h.dlq.list().unwrap()
    assert (letter.run_id, letter.attempts) == (run_id, 1)


def test_a_killed_prefork_child_is_reported_at_once_and_retried(
    prefork_harness: Harness, prefork: Worker, tmp_path: Path
) -> None:
    # No timeout and a 120 s loss deadline: only the WorkerLostError can end attempt 1 in time.
    h, marker = prefork_harness, tmp_path / "stall"
    run_id = h.dispatcher.submit(
        WorkSpec(name="stall", params={"marker": str(marker), "seconds": 60}, retry=QUICK_RETRY)
    ).unwrap()
    child = int(wait_for(marker))
    assert child != prefork.pid
    killed_at = time.monotonic()
    os.kill(child, signal.SIGKILL)
    run = h.dispatcher.wait(run_id, 30.0).unwrap()
    assert time.monotonic() - killed_at < 20
    assert (run.status, run.attempt, run.result) == (RunStatus.COMPLETED, 2, b'"second wind"')
    (lost,) = failures(h, run_id)
    assert (lost.code, lost.retryable) == ("transient", True)
    assert "WorkerLostError" in lost.message
