"""Rows of durable runs: how a run that is not running reads back (outcomes, step reports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from spine.core.errors import CancelledError, NotFoundError, ValidationError, WorkflowError, to_record
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.orchestration.checkpoints import (
    ANCHOR_STEP,
    CLAIM,
    FINISH,
    HEAD,
    INSERT_EVENT,
    INSERT_STEP,
    KIND,
    RELEASE,
    RENEW,
    STEPS,
    Checkpoint,
    TrackedRun,
    checkpoints_from,
    step_reports,
    stored_outcome,
)
from spine.orchestration.graph import INPUT, Node, NodeKind
from spine.orchestration.report import RunState, StepStatus
from spine.orchestration.run_events import EVENT_COLUMNS, error_json, step_payload
from spine.storage.compiled import SqlValue
from spine.storage.sql.compiler import compile
from spine.storage.sql.dialect import get_dialect
from spine.storage.tables import LEDGER_EVENTS

T0 = datetime(2025, 1, 3, tzinfo=UTC)
DIALECTS = ["sqlite", "postgres", "mysql", "oracle", "db2"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rows_bind_positionally_in_column_order_on_every_dialect(dialect: str) -> None:
    target = get_dialect(dialect)
    assert compile(INSERT_EVENT, target).param_names == EVENT_COLUMNS
    assert compile(INSERT_STEP, target).param_names == (*EVENT_COLUMNS, "body")
    assert {*EVENT_COLUMNS, "body"} == {c.name for c in LEDGER_EVENTS.columns}
    assert compile(HEAD, target).param_names == ("run_id", "limit")
    assert compile(STEPS, target).param_names == ("run_id",)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_run_row_writes_are_fenced_by_the_token_and_the_ends_by_the_anchor_too(dialect: str) -> None:
    target = get_dialect(dialect)
    assert compile(RENEW, target).param_names[-2:] == ("run_id", "token")
    assert compile(ANCHOR_STEP, target).param_names == (
        "updated_at",
        "last_seq",
        "last_hash",
        "run_id",
        "token",
    )
    renew = compile(RENEW, target).param_names  # a RenewRow: the lease's end, then an AnchorRow
    assert renew == ("lease_expires_at", *compile(ANCHOR_STEP, target).param_names)
    for statement in (CLAIM, FINISH, RELEASE):
        assert compile(statement, target).param_names[-3:] == ("run_id", "token", "expected")


def _run(status: RunStatus, **fields: object) -> TrackedRun:
    base = TrackedRun(
        run_id="r",
        kind=KIND,
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


def _step(
    seq: int, name: str, status: StepStatus, body: bytes | None, **more: object
) -> tuple[SqlValue, ...]:
    error = more.get("error")
    payload = step_payload(
        f'"{name}"',
        int(str(more.get("index", 0))),
        status,
        int(str(more.get("attempt", 1))),
        int(str(more.get("took_us", 0))),
        error if isinstance(error, str) else None,
    )
    return (seq, f"step_{status.value}", "2025-01-03 00:00:01.000000+00:00", payload, body)


def test_a_runs_checkpoints_are_its_last_step_event_per_step_in_step_order() -> None:
    failed = error_json(to_record(ValidationError("bad")))
    assert isinstance(failed, str)
    rows = [
        (1, "started", "2025-01-03 00:00:00.000000+00:00", '{"workflow":"w"}', None),
        _step(2, "b", StepStatus.COMPLETED, b"\x02", index=1, took_us=1_500),
        _step(3, "a", StepStatus.FAILED, None, index=0, error=failed),
        (4, "resumed", "2025-01-03 00:00:02.000000+00:00", "{}", None),
        _step(5, "a", StepStatus.COMPLETED, b"\x01", index=0, attempt=2),
    ]
    a, b = checkpoints_from("r", rows).unwrap()
    assert (a.step_name, a.status, a.attempt, a.output, a.error) == (
        "a",
        StepStatus.COMPLETED,
        2,
        b"\x01",
        None,
    )
    assert a.idempotency_key == "r:a:2"
    assert (b.step_name, b.step_index, b.output) == ("b", 1, b"\x02")
    assert b.finished_at == datetime(2025, 1, 3, 0, 0, 1, tzinfo=UTC)
    assert b.finished_at - b.started_at == timedelta(microseconds=1_500)
    (only,) = checkpoints_from("r", rows[:3]).unwrap()[:1]
    assert only.status is StepStatus.FAILED
    assert only.error is not None
    assert only.error.message == "bad"


@pytest.mark.parametrize(
    "row",
    [
        (7, "step_completed", "2025-01-03 00:00:01+00:00", '{"step":"a"}', None),
        (7, "step_completed", "2025-01-03 00:00:01+00:00", "not json", None),
        (7, "step_completed", "not a time", '{"attempt":1,"index":0,"status":"completed","step":"a"}', None),
        (7, "step_completed", "2025-01-03 00:00:01+00:00", 5, None),
        (
            7,
            "step_completed",
            "2025-01-03 00:00:01+00:00",
            '{"attempt":1,"index":0,"status":"?","step":"a"}',
            None,
        ),
    ],
)
def test_a_step_event_that_is_not_a_checkpoint_is_a_validation_error(row: tuple[SqlValue, ...]) -> None:
    error = checkpoints_from("r", [row]).failure()
    assert isinstance(error, ValidationError)
    assert "step event 7 of run 'r'" in str(error)
