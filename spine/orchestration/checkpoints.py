"""Durable runs as rows: the run and checkpoint records, the statements, the ledger events.

A tracked run is a ``spine_runs`` row (kind ``workflow``) whose ``attempt`` counts the times
a worker claimed it and doubles as the fencing token; each finished step is a
``spine_checkpoints`` row. Every write a worker makes is guarded by the run row's
``attempt`` *and* its ledger anchor (``last_seq``): a worker that lost its lease, or fell
behind the chain, changes nothing. Ledger events are sealed here, in memory, exactly as
:class:`~spine.execution.ledger.ExecutionLedger` seals them, so ``verify`` checks them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import (
    CancelledError,
    ErrorRecord,
    SpineError,
    ValidationError,
    WorkflowError,
    from_record,
)
from spine.core.json_types import JsonValue
from spine.execution.ledger_hash import canonical_json, digest
from spine.execution.ledger_rows import INSERT as INSERT_EVENT
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.orchestration.graph import Node
from spine.orchestration.report import RunState, StepReport, StepStatus, SuspendedError
from spine.storage.compiled import SqlValue
from spine.storage.sql.dml import insert, update
from spine.storage.sql.predicates import Cmp, Where
from spine.storage.sql.query import select
from spine.storage.tables import CHECKPOINTS, RUNS

__all__ = [
    "ADVANCE",
    "ADVANCE_RENEW",
    "CLAIM",
    "DUE",
    "FINISH",
    "INSERT_CHECKPOINT",
    "INSERT_EVENT",
    "INSERT_RUN",
    "KIND",
    "ORPHANED",
    "RELEASE",
    "REWRITE_CHECKPOINT",
    "Checkpoint",
    "TrackedRun",
    "event_row",
    "lease_until",
    "payload_json",
    "step_key",
    "step_payload",
    "step_reports",
    "stored_outcome",
]

KIND: Final = "workflow"
"""The ``spine_runs.kind`` of a tracked workflow run."""


class TrackedRun(msgspec.Struct, frozen=True, kw_only=True):
    """A tracked workflow run, as its ``spine_runs`` row holds it."""

    run_id: str
    kind: str = KIND
    name: str
    """The workflow's name."""
    status: RunStatus
    idempotency_key: str
    parent_run_id: str | None = None
    """The run this one was forked from."""
    lane: str = "default"
    priority: int = 0
    attempt: int = 0
    """How many times a worker claimed the run (the lease's fencing token)."""
    spec: WorkSpec
    """The workflow's name, and its input in ``params["input"]``."""
    result: bytes | None = None
    error: ErrorRecord | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    wake_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    last_seq: int = 0
    last_hash: str | None = None


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    """One step's stored outcome, as its ``spine_checkpoints`` row holds it."""

    run_id: str
    step_name: str
    step_index: int
    attempt: int
    status: StepStatus
    output: bytes | None = None
    """The value, msgpack-encoded (see :mod:`spine.orchestration.durable_codec`)."""
    error: ErrorRecord | None = None
    idempotency_key: str
    started_at: datetime
    finished_at: datetime


_RUN: Final[Where] = "run_id"
_FENCE: Final[tuple[Where, ...]] = (_RUN, Cmp("attempt", param="token"), Cmp("last_seq", param="expected"))

INSERT_RUN: Final = insert(
    RUNS,
    [
        "run_id",
        "kind",
        "name",
        "status",
        "idempotency_key",
        "parent_run_id",
        "attempt",
        "spec",
        "created_at",
        "updated_at",
        "started_at",
        "lease_owner",
        "lease_expires_at",
        "last_seq",
        "last_hash",
    ],
)
"""A new run, born claimed (``running``, leased) with its first event already anchored."""
ADVANCE: Final = update(RUNS, ["last_seq", "last_hash"], where=_FENCE)
"""Move the anchor past one more event, fenced."""
ADVANCE_RENEW: Final = update(RUNS, ["last_seq", "last_hash", "lease_expires_at", "updated_at"], where=_FENCE)
""":data:`ADVANCE` that also extends the lease (the heartbeat rides on a step's write)."""
CLAIM: Final = update(
    RUNS,
    [
        "status",
        "attempt",
        "lease_owner",
        "lease_expires_at",
        "wake_at",
        "updated_at",
        "last_seq",
        "last_hash",
    ],
    where=_FENCE,
)
"""Take the run: new status, the next fencing token, a fresh lease."""
FINISH: Final = update(
    RUNS,
    [
        "status",
        "result",
        "error",
        "finished_at",
        "wake_at",
        "updated_at",
        "lease_owner",
        "lease_expires_at",
        "last_seq",
        "last_hash",
    ],
    where=_FENCE,
)
"""End the run's turn on this worker (completed, failed, dead-lettered or waiting); frees the lease."""
RELEASE: Final = update(
    RUNS, ["lease_owner", "lease_expires_at"], where=[_RUN, Cmp("attempt", param="token")]
)
"""Give the lease up without a status change (this worker cannot go on)."""
INSERT_CHECKPOINT: Final = insert(CHECKPOINTS)
REWRITE_CHECKPOINT: Final = update(
    CHECKPOINTS,
    ["step_index", "attempt", "status", "output", "error", "idempotency_key", "started_at", "finished_at"],
    where=[_RUN, "step_name"],
)
"""Replace a step's checkpoint that did not finish it (failed, or a timer still waiting)."""
DUE: Final = select(
    RUNS,
    ["run_id"],
    where=["kind", "status", Cmp("wake_at", "<=", param="now")],
    order_by=["wake_at", "run_id"],
    limit=True,
)
"""Waiting runs whose timer is due, earliest first."""
ORPHANED: Final = select(
    RUNS,
    ["run_id"],
    where=["kind", "status", Cmp("lease_expires_at", "<=", param="now")],
    order_by=["lease_expires_at", "run_id"],
    limit=True,
)
"""Running runs whose worker stopped renewing its lease."""

_MAX_KEY: Final = 200


def step_key(run_id: str, step: str, attempt: int) -> str:
    """The idempotency key of one attempt of one step: the same every time it runs again.

    A key that would not fit the column (200 characters) names the step by its digest.

    >>> step_key("01J", "charge", 1)
    '01J:charge:1'
    >>> len(step_key("01J", "x" * 300, 2))
    38
    """
    key = f"{run_id}:{step}:{attempt}"
    if len(key) <= _MAX_KEY:
        return key
    return f"{run_id}:{hashlib.sha256(step.encode()).hexdigest()[:32]}:{attempt}"


def step_payload(name_json: str, index: int, status: StepStatus, attempt: int) -> str:
    """A step event's payload, already canonical JSON (``name_json``: the name as JSON text).

    >>> step_payload('"load"', 3, StepStatus.COMPLETED, 1)
    '{"attempt":1,"index":3,"status":"completed","step":"load"}'
    """
    return f'{{"attempt":{attempt},"index":{index},"status":"{status.value}","step":{name_json}}}'


def event_row(
    run_id: str,
    seq: int,
    prev_hash: str,
    event: tuple[str, str, datetime, str],
    *,
    stored_at: SqlValue = None,
) -> tuple[dict[str, SqlValue], str]:
    """The :data:`INSERT_EVENT` parameters of an event sealed after ``prev_hash``, and its hash.

    ``event`` is ``(event_id, event_type, occurred_at, payload_json)``; the payload must be
    canonical JSON text. ``stored_at``: ``occurred_at`` as already bound for the driver.

    >>> row, hashed = event_row("r", 1, "0" * 64, ("e", "started", datetime(2025, 1, 3, tzinfo=UTC), "{}"))
    >>> row["seq"], len(hashed)
    (1, 64)
    """
    event_id, event_type, at, payload_json = event
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    hashed = digest(
        run_id=run_id,
        seq=seq,
        event_id=event_id,
        event_type=event_type,
        occurred_at=at,
        payload_json=payload_json,
        prev_hash=prev_hash,
    )
    row: dict[str, SqlValue] = {
        "run_id": run_id,
        "seq": seq,
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": at if stored_at is None else stored_at,
        "payload": payload_json,
        "prev_hash": prev_hash,
        "hash": hashed,
    }
    return row, hashed


def payload_json(values: Mapping[str, JsonValue], /) -> str | ValidationError:
    """An event payload as canonical JSON text, or why it cannot be one.

    >>> payload_json({"b": 1, "a": None})
    '{"a":null,"b":1}'
    """
    text = canonical_json(values)
    return text.unwrap() if isinstance(text, Success) else text.failure()


def lease_until(now: datetime, lease_s: float, /) -> datetime:
    """When a lease taken or renewed at ``now`` runs out.

    >>> lease_until(datetime(2025, 1, 3, tzinfo=UTC), 30).second
    30
    """
    return now + timedelta(seconds=lease_s)


def stored_outcome(
    run: TrackedRun, decode: Callable[[bytes], object | ValidationError], *, waiting: bool = False
) -> tuple[RunState, Result[object, SpineError]]:
    r"""How a run that is not running now stands, from its row (``decode``: the result's codec).

    >>> from datetime import UTC
    >>> t = datetime(2025, 1, 3, tzinfo=UTC)
    >>> run = TrackedRun(run_id="r", name="w", status=RunStatus.COMPLETED, idempotency_key="r",
    ...     spec=WorkSpec(name="w"), result=b"\x05", created_at=t, updated_at=t)
    >>> stored_outcome(run, lambda data: data[0])
    (<RunState.COMPLETED: 'completed'>, <Success: 5>)
    """
    if waiting:
        msg = f"workflow {run.name!r} waits until {run.wake_at}"
        return RunState.SUSPENDED, Failure(SuspendedError(msg, workflow=run.name))
    if run.status is RunStatus.COMPLETED:
        value = decode(run.result or b"")
        if isinstance(value, ValidationError):
            return RunState.FAILED, Failure(value)
        return RunState.COMPLETED, Success(value)
    error: SpineError
    if run.status is RunStatus.CANCELLED:
        error = CancelledError(f"run {run.run_id!r} was cancelled")
    elif run.error is not None:
        error = from_record(run.error)
    else:
        error = WorkflowError(f"run {run.run_id!r} is {run.status}", workflow=run.name)
    return RunState.FAILED, Failure(error)


def step_reports(nodes: Sequence[Node], rows: Sequence[Checkpoint], /) -> Iterator[StepReport]:
    """Each node's report as its checkpoint tells it (PENDING where there is none)."""
    by_name = {row.step_name: row for row in rows}
    for node in nodes:
        row = by_name.get(node.name)
        if row is None:
            yield StepReport(name=node.name, status=StepStatus.PENDING)
            continue
        error = None if row.error is None else str(from_record(row.error))
        yield StepReport(name=node.name, status=row.status, attempts=row.attempt, error=error, restored=True)
