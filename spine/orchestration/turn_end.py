"""How a worker's turn on a run ends: completed, waiting at a timer, failed, or given up.

Each end is one transaction through the run's :class:`~spine.orchestration.checkpoint.RunLog`:
the run row's new status, the freed lease and the exact ledger anchor (an update fenced by
the token *and* the anchor this worker last wrote, so nothing changes if another worker took
the run over), the turn's closing events, and for a dead-lettered run its dead letter.
``release`` is the exception: a best-effort update when the worker cannot go on.

Every effect goes through the log's injected database, clock and ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import final

import msgspec
from returns.result import Success

from spine.core.codec import encode_json
from spine.core.errors import ErrorRecord, SpineError, ValidationError, to_record
from spine.core.json_types import JsonValue
from spine.execution.ledger_hash import instant_text
from spine.execution.status import RunStatus, transition
from spine.orchestration.checkpoint import RunLog
from spine.orchestration.run_events import EventRow, seal
from spine.storage.compiled import SqlValue

__all__ = ["complete", "fail", "release", "suspend"]

type _Events = Sequence[tuple[str, Mapping[str, JsonValue]]]


def complete(log: RunLog) -> SpineError | None:
    """The run completed: store its result (the output step's checkpoint) and free it."""
    return _finish(log, RunStatus.COMPLETED, [("completed", {"attempt": log.token})], result=log.result)


def suspend(log: RunLog, wake_at: datetime, step: str) -> SpineError | None:
    """The run waits at ``step`` until ``wake_at``: free it for whoever resumes it then."""
    events = [("waiting", {"step": step, "wake_at": instant_text(wake_at)})]
    return _finish(log, RunStatus.WAITING, events, wake_at=wake_at)


def fail(log: RunLog, error: SpineError, step: str | None) -> SpineError | None:
    """The run failed: record the error and, with a dead-letter queue, file it there."""
    record = to_record(error)
    events: list[tuple[str, Mapping[str, JsonValue]]] = [("failed", {"step": step, "code": record.code})]
    filed = log.store.dead_letters is not None
    if filed:
        events.append(("dead_lettered", {"step": step}))
    return _finish(log, RunStatus.FAILED, events, error=record, dead_letter=filed)


def release(log: RunLog) -> None:
    """Give the lease up (best effort: the worker cannot go on)."""
    if not log.lost:
        params: dict[str, SqlValue] = {
            "lease_owner": None,
            "lease_expires_at": None,
            "run_id": log.run_id,
            "token": log.token,
            "expected": log.seq,
        }
        log.store.execute("release", params)


@final
class _Ending:
    """One end of a turn, as written: the run row's new values and the closing events."""

    __slots__ = ("dead_letter", "params", "rows")

    def __init__(
        self, params: dict[str, SqlValue], rows: list[EventRow], dead_letter: ErrorRecord | None
    ) -> None:
        self.params, self.rows, self.dead_letter = params, rows, dead_letter


def _finish(
    log: RunLog,
    status: RunStatus,
    events: _Events,
    *,
    result: bytes | None = None,
    error: ErrorRecord | None = None,
    wake_at: datetime | None = None,
    dead_letter: bool = False,
) -> SpineError | None:
    final = RunStatus.DEAD_LETTERED if dead_letter else status
    for a, b in ((RunStatus.RUNNING, status), (status, final)):
        moved = transition(a, b) if a is not b else None
        if moved is not None and not isinstance(moved, Success):
            illegal: SpineError = moved.failure()
            return illegal
    store, now = log.store, log.store.clock.now()
    sealed = seal(log.run_id, (log.seq, log.hash), events, now, store.ids.new_id)
    if isinstance(sealed, ValidationError):
        return sealed
    rows, (seq, hashed) = sealed
    params: dict[str, SqlValue] = {
        "status": final.value,
        "result": result,
        "error": None if error is None else encode_json(error).decode(),
        "finished_at": None if final is RunStatus.WAITING else now,
        "wake_at": wake_at,
        "updated_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_seq": seq,
        "last_hash": hashed,
        "run_id": log.run_id,
        "token": log.token,
        "expected": log.seq,
    }
    ending = _Ending(params, rows, error if dead_letter else None)
    with store.db.transaction() as tx:
        problem = _end(log, ending, now)
        if problem is not None:
            tx.set_rollback_only()
    problem = problem or log.settle(tx.outcome)
    if problem is None:
        log.seq, log.hash = seq, hashed
    return problem


def _end(log: RunLog, ending: _Ending, now: datetime) -> SpineError | None:
    store = log.store
    moved = store.execute("finish", ending.params)
    if not isinstance(moved, Success):
        return log.break_off(moved.failure())
    if moved.unwrap() != 1:
        return log.lose()
    for row in ending.rows:
        error = store.insert("event", row)
        if error is not None:
            return log.break_off(error)
    sink, record = store.dead_letters, ending.dead_letter
    if record is not None and sink is not None:
        run = log.run
        ended = msgspec.structs.replace(
            run, status=RunStatus.DEAD_LETTERED, attempt=log.token, updated_at=now, finished_at=now
        )
        filed = sink.file(ended, record)
        if not isinstance(filed, Success):
            return log.break_off(filed.failure())
    return None
