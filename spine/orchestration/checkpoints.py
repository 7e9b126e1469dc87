"""Durable runs as rows: the run and checkpoint records, and the statements that write them.

A tracked run is a ``spine_runs`` row (kind ``workflow``) whose ``attempt`` counts the times
a worker claimed it and doubles as the fencing token. Each step's checkpoint is its ledger
event: a ``step_<status>`` row of ``spine_ledger_events`` whose payload says which step, how
it went and how long it took, and whose ``body`` holds the value; it is written with the run
row's ledger anchor (``last_seq``, ``last_hash``) in one transaction (see
:mod:`spine.orchestration.checkpoint`). A step written again (a timer that fired, a failure
resumed) has a later event; :func:`checkpoints_from` keeps each step's last one.
:data:`HEAD` reads the chain's head from the events. ``stored_outcome`` and ``step_reports``
read a run that is not running back as a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
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
from spine.execution.runs import RunRecord
from spine.execution.status import RunStatus
from spine.orchestration.graph import Node
from spine.orchestration.report import RunState, StepReport, StepStatus, SuspendedError
from spine.orchestration.run_events import EVENT_COLUMNS, step_key
from spine.storage.compiled import SqlValue
from spine.storage.sql.dml import insert, update
from spine.storage.sql.predicates import Cmp, OrderBy, Where
from spine.storage.sql.query import select
from spine.storage.sql.statement import Statement
from spine.storage.sql.types import TIMESTAMPTZ
from spine.storage.tables import LEDGER_EVENTS, RUNS
from spine.storage.values import from_sql

__all__ = [
    "ANCHOR_STEP",
    "CLAIM",
    "DUE",
    "FINISH",
    "HEAD",
    "INSERT_EVENT",
    "INSERT_RUN",
    "INSERT_STEP",
    "KIND",
    "ORPHANED",
    "RELEASE",
    "RENEW",
    "STEPS",
    "Checkpoint",
    "StepPayload",
    "TrackedRun",
    "checkpoints_from",
    "step_reports",
    "stored_outcome",
]

KIND: Final = "workflow"
"""The ``spine_runs.kind`` of a tracked workflow run."""


TrackedRun = RunRecord
"""A tracked workflow run, as its ``spine_runs`` row holds it: a ``RunRecord`` of kind :data:`KIND`."""


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    """One step's stored outcome, as its last step event holds it."""

    run_id: str
    step_name: str
    step_index: int
    attempt: int
    status: StepStatus
    output: bytes | None = None
    """The value, msgpack-encoded (see :mod:`spine.orchestration.durable_codec`)."""
    error: ErrorRecord | None = None
    idempotency_key: str
    """The key this attempt ran under: ``run_events.step_key(run_id, step_name, attempt)``."""
    started_at: datetime
    finished_at: datetime


class StepPayload(msgspec.Struct, frozen=True, kw_only=True):
    """A step event's payload (canonical JSON, hashed into the ledger's chain)."""

    attempt: int
    index: int
    status: StepStatus
    step: str
    took_us: int = 0
    """How long the step took, in microseconds: it started ``took_us`` before the event."""
    error: ErrorRecord | None = None
    """The step's error, when it failed (or failed and went on)."""


_RUN: Final[Where] = "run_id"
_HOLDER: Final = Cmp("attempt", param="token")
_FENCE: Final[tuple[Where, ...]] = (_RUN, _HOLDER, Cmp("last_seq", param="expected"))

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
INSERT_EVENT: Final = insert(LEDGER_EVENTS, EVENT_COLUMNS)
"""One ledger event (an ``EventRow``, bound positionally)."""
INSERT_STEP: Final = insert(LEDGER_EVENTS, (*EVENT_COLUMNS, "body"))
"""One step's event, its checkpoint: an ``EventRow`` and the value's bytes, bound positionally."""
_ANCHOR: Final = ("updated_at", "last_seq", "last_hash")
ANCHOR_STEP: Final = update(RUNS, _ANCHOR, where=[_RUN, _HOLDER])
"""Bring the anchor up to the holder's new step event (rides on every step's write)."""
RENEW: Final = update(RUNS, ("lease_expires_at", *_ANCHOR), where=[_RUN, _HOLDER])
""":data:`ANCHOR_STEP` that also extends the holder's lease (rides on a step's write, now and then)."""
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
"""Take the run as it was read: new status, the next fencing token, a fresh lease."""
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
RELEASE: Final = update(RUNS, ["lease_owner", "lease_expires_at"], where=_FENCE)
"""Give the lease up without a status change (this worker cannot go on)."""
HEAD: Final = select(
    LEDGER_EVENTS, ["seq", "hash"], where=[_RUN], order_by=[OrderBy("seq", descending=True)], limit=True
)
"""The run's last event (``limit`` 1): the chain's head, as the events say."""


def _passed(deadline: str) -> Statement:
    """The runs of a kind and status whose ``deadline`` is at or before ``now``, earliest first."""
    where: list[Where] = ["kind", "status", Cmp(deadline, "<=", param="now")]
    return select(RUNS, ["run_id"], where=where, order_by=[deadline, "run_id"], limit=True)


DUE: Final = _passed("wake_at")
"""Waiting runs whose timer is due, earliest first."""
ORPHANED: Final = _passed("lease_expires_at")
"""Running runs whose worker stopped renewing its lease."""
STEPS: Final = select(
    LEDGER_EVENTS, ["seq", "event_type", "occurred_at", "payload", "body"], where=[_RUN], order_by=["seq"]
)
"""A run's events in order, with their bodies: what :func:`checkpoints_from` reads."""
_STEP_TYPES: Final = {f"step_{s.value}" for s in StepStatus}
_PAYLOAD: Final = msgspec.json.Decoder(StepPayload)


def checkpoints_from(
    run_id: str, rows: Iterable[Sequence[SqlValue]], /
) -> Result[tuple[Checkpoint, ...], SpineError]:
    """Each step's checkpoint, from the rows of :data:`STEPS`: its last step event, in step order.

    Events that are not step events are skipped; a step event that does not decode is a
    ``ValidationError`` naming the run and seq.
    """
    last: dict[str, Checkpoint] = {}
    for seq, event_type, occurred_at, payload, body in rows:
        if event_type not in _STEP_TYPES:
            continue
        try:
            if not isinstance(payload, str | bytes):
                msg = f"payload is {type(payload).__qualname__}, not JSON text"
                raise ValidationError(msg)
            step = _PAYLOAD.decode(payload)
            finished = from_sql(TIMESTAMPTZ, occurred_at)
            if not isinstance(finished, datetime) or not isinstance(
                body, bytes | bytearray | memoryview | None
            ):
                msg = "a column holds the wrong type"
                raise ValidationError(msg)
        except (ValidationError, msgspec.DecodeError, ValueError) as error:
            msg = f"step event {seq!r} of run {run_id!r} is not a checkpoint: {error}"
            return Failure(ValidationError(msg, field="payload", constraint="StepPayload"))
        last[step.step] = Checkpoint(
            run_id=run_id,
            step_name=step.step,
            step_index=step.index,
            attempt=step.attempt,
            status=step.status,
            output=None if body is None else bytes(body),
            error=step.error,
            idempotency_key=step_key(run_id, step.step, step.attempt),
            started_at=finished - timedelta(microseconds=step.took_us),
            finished_at=finished,
        )
    return Success(tuple(sorted(last.values(), key=lambda c: c.step_index)))


def stored_outcome(
    run: TrackedRun, decode: Callable[[bytes], object | ValidationError], *, waiting: bool = False
) -> tuple[RunState, Result[object, SpineError]]:
    r"""How a run that is not running now stands, from its row (``decode``: the result's codec).

    >>> from datetime import UTC
    >>> from spine.execution.spec import WorkSpec
    >>> t = datetime(2025, 1, 3, tzinfo=UTC)
    >>> run = TrackedRun(run_id="r", kind=KIND, name="w", status=RunStatus.COMPLETED, idempotency_key="r",
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
