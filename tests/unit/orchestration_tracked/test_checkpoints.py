"""Rows of durable runs: how a run that is not running reads back (outcomes, step reports)."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from spine.core.errors import CancelledError, NotFoundError, ValidationError, WorkflowError, to_record
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.orchestration.checkpoints import (
    CHECKPOINT_COLUMNS,
    CLAIM,
    FINISH,
    HEAD,
    INSERT_CHECKPOINT,
    INSERT_EVENT,
    RELEASE,
    RENEW,
    Checkpoint,
    TrackedRun,
    step_reports,
    stored_outcome,
)
from spine.orchestration.graph import INPUT, Node, NodeKind
from spine.orchestration.report import RunState, StepStatus
from spine.orchestration.run_events import EVENT_COLUMNS
from spine.storage.sql.compiler import compile
from spine.storage.sql.dialect import get_dialect
from spine.storage.tables import CHECKPOINTS

T0 = datetime(2025, 1, 3, tzinfo=UTC)
DIALECTS = ["sqlite", "postgres", "mysql", "oracle", "db2"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rows_bind_positionally_in_column_order_on_every_dialect(dialect: str) -> None:
    target = get_dialect(dialect)
    assert compile(INSERT_EVENT, target).param_names == EVENT_COLUMNS
    assert compile(INSERT_CHECKPOINT, target).param_names == CHECKPOINT_COLUMNS
    assert set(CHECKPOINT_COLUMNS) == {c.name for c in CHECKPOINTS.columns}
    assert compile(HEAD, target).param_names == ("run_id", "limit")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_run_row_writes_are_fenced_by_the_token_and_the_ends_by_the_anchor_too(dialect: str) -> None:
    target = get_dialect(dialect)
    assert compile(RENEW, target).param_names[-2:] == ("run_id", "token")
    for statement in (CLAIM, FINISH, RELEASE):
        assert compile(statement, target).param_names[-3:] == ("run_id", "token", "expected")


def _run(status: RunStatus, **fields: object) -> TrackedRun:
    base = TrackedRun(
        run_id="r",
        name="w",
        status=status,
        idempotency_key="r",
        spec=WorkSpec(name="w"),
        created_at=T0,
        updated_at=T0,
    )
    return msgspec.structs.replace(base, **fields)


def test_stored_outcomes_say_how_the_run_ended() -> None:
    def decode(data: bytes) -> object:
        return msgspec.msgpack.decode(data)

    done = _run(RunStatus.COMPLETED, result=msgspec.msgpack.encode([1, 2]))
    state, result = stored_outcome(done, decode)
    assert state is RunState.COMPLETED
    assert result.unwrap() == [1, 2]
    state, result = stored_outcome(
        _run(RunStatus.DEAD_LETTERED, error=to_record(NotFoundError("gone"))), decode
    )
    assert state is RunState.FAILED
    assert isinstance(result.failure(), NotFoundError)
    assert isinstance(stored_outcome(_run(RunStatus.CANCELLED), decode)[1].failure(), CancelledError)
    assert isinstance(stored_outcome(_run(RunStatus.FAILED), decode)[1].failure(), WorkflowError)
    asleep = stored_outcome(_run(RunStatus.WAITING, wake_at=T0), decode, waiting=True)
    assert asleep[0] is RunState.SUSPENDED
    bad = stored_outcome(done, lambda _: ValidationError("nope"))
    assert bad[0] is RunState.FAILED


def test_step_reports_follow_the_plan_and_mark_steps_restored() -> None:
    nodes = [Node(name=n, kind=NodeKind.PASS, inputs=(INPUT,)) for n in ("a", "b")]
    row = Checkpoint(
        run_id="r",
        step_name="a",
        step_index=0,
        attempt=2,
        status=StepStatus.FAILED,
        error=to_record(ValidationError("bad")),
        idempotency_key="r:a:2",
        started_at=T0,
        finished_at=T0,
    )
    a, b = step_reports(nodes, [row])
    assert (a.status, a.attempts, a.error, a.restored) == (StepStatus.FAILED, 2, "bad", True)
    assert (b.name, b.status) == ("b", StepStatus.PENDING)
