"""Cancellation maps to Celery's revoke: a queued attempt never runs, a running one is killed.

On a prefork worker (its main process takes the revoke while the child is busy), after
``Dispatcher.cancel`` has moved the run to CANCELLED.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from spine.core.errors import ConflictError
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from tests.integration.celery.conftest import Harness
from tests.integration.celery.test_celery_executor import wait_for
from tests.integration.celery.workers import alive

pytestmark = pytest.mark.integration


def test_cancel_revokes_a_queued_attempt_so_it_never_runs(prefork_harness: Harness, tmp_path: Path) -> None:
    h, busy, victim = prefork_harness, tmp_path / "busy", tmp_path / "victim"
    d = h.dispatcher
    first = d.submit(WorkSpec(name="stall", params={"marker": str(busy), "seconds": 1.5})).unwrap()
    second = d.submit(WorkSpec(name="stall", params={"marker": str(victim), "seconds": 30})).unwrap()
    wait_for(busy)  # the only child is busy: the second waits
    assert d.cancel(second).unwrap().status is RunStatus.CANCELLED
    assert h.executor.cancel(second)
    assert not h.executor.cancel(second)  # nothing of it is in flight any more
    after = d.submit(WorkSpec(name="add", params={"a": 1, "b": 1})).unwrap()
    assert d.wait(first, 20.0).unwrap().status is RunStatus.COMPLETED
    assert d.wait(after, 20.0).unwrap().status is RunStatus.COMPLETED  # the worker got past it
    assert not victim.exists()
    assert d.get(second).unwrap().status is RunStatus.CANCELLED
    assert h.types(second)[-1] == "cancelled"
    assert isinstance(d.cancel(second).failure(), ConflictError)


def test_cancel_with_terminate_kills_the_running_attempt(prefork_harness: Harness, tmp_path: Path) -> None:
    h, marker = prefork_harness, tmp_path / "stall"
    run_id = h.dispatcher.submit(
        WorkSpec(name="stall", params={"marker": str(marker), "seconds": 60})
    ).unwrap()
    child = int(wait_for(marker))
    assert h.dispatcher.cancel(run_id).unwrap().status is RunStatus.CANCELLED
    assert h.executor.cancel(run_id, terminate=True)
    deadline = time.monotonic() + 15
    while alive(child):
        assert time.monotonic() < deadline, "the revoked task's process is still running"
        time.sleep(0.05)
    h.dispatcher.pump(0.2)
    assert h.dispatcher.get(run_id).unwrap().status is RunStatus.CANCELLED
    assert h.types(run_id)[-1] == "cancelled"
    again = h.dispatcher.submit(WorkSpec(name="add", params={"a": 1, "b": 2})).unwrap()
    assert h.dispatcher.wait(again, 20.0).unwrap().result == b"3"  # the pool replaced its child
