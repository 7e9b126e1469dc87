"""How a durable run begins: started for a workflow's input, or forked from another run.

A new run is born claimed: one transaction inserts its ``spine_runs`` row (``running``,
leased to this worker, token 1), its first ledger event (``started`` or ``forked``) and, for
a fork, the checkpoints it reuses as step events after it (the anchor names the last); it
returns the :class:`RunLog` the worker then writes through. An ``IntegrityError`` means the
run's idempotency key is taken.

Every effect goes through the store's injected database, clock and ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import msgspec
from returns.result import Failure, Result, Success

from spine.core.codec import encode_json
from spine.core.errors import DatabaseError, SpineError, ValidationError
from spine.core.json_types import JsonValue
from spine.execution.ledger_chain import GENESIS_HASH
from spine.execution.spec import WorkKind, WorkSpec
from spine.execution.status import RunStatus
from spine.orchestration.checkpoint import RunLog
from spine.orchestration.checkpoints import KIND, Checkpoint, TrackedRun
from spine.orchestration.durable_codec import PlanCodec, Restored, restore
from spine.orchestration.run_events import (
    StepRow,
    error_json,
    event_row,
    json_string,
    lease_until,
    seal,
    step_payload,
)
from spine.orchestration.run_store import RunStore
from spine.orchestration.turns import Entry, copies
from spine.storage.compiled import SqlValue
from spine.storage.connection import Connection, in_transaction

__all__ = ["create", "fork", "start"]


def start(store: RunStore, entry: Entry, value: object, run_id: str, key: str) -> Result[RunLog, SpineError]:
    """Create run ``run_id`` of ``entry`` on ``value``, stored under ``key``."""
    raw = entry.codec.encode_input(value)
    if isinstance(raw, ValidationError):
        return Failure(raw)
    try:
        params = {"input": raw, "plan": entry.codec.fingerprint}
        spec = WorkSpec(name=entry.name, kind=WorkKind.WORKFLOW, params=params, idempotency_key=key)
    except ValidationError as error:
        return Failure(error)
    event = {"workflow": entry.name, "key": key, "owner": store.owner}
    return create(store, _new_run(store, entry, run_id, key, spec=spec), entry.codec, ("started", event))


def fork(  # noqa: PLR0917 - what a fork is made of
    store: RunStore,
    entry: Entry,
    source: TrackedRun,
    stored: Sequence[Checkpoint],
    from_step: str | None,
    new_id: str,
) -> Result[tuple[RunLog, object, Restored], SpineError]:
    """Create run ``new_id``: ``source``'s input again, its checkpoints before ``from_step`` reused.

    The new run's log, its input and what it restores (see ``TrackedWorkflowRunner.fork``).
    """
    copied = copies(entry.plan, stored, from_step, new_id)
    if not isinstance(copied, Success):
        return Failure(copied.failure())
    start_step, rows = copied.unwrap()
    restored = restore(entry.codec, rows)
    value = entry.codec.decode_input(source.spec.params.get("input"))
    if not isinstance(restored, Success) or isinstance(value, ValidationError):
        return Failure(value if isinstance(value, ValidationError) else restored.failure())
    params = {**source.spec.params, "plan": entry.codec.fingerprint}
    spec = msgspec.structs.replace(source.spec, params=params, idempotency_key=None)
    event: dict[str, JsonValue] = {
        "from_run": source.run_id,
        "from_step": start_step,
        "reused": len(rows),
        "owner": store.owner,
    }
    run = _new_run(store, entry, new_id, new_id, spec=spec, parent=source.run_id)
    log = create(store, run, entry.codec, ("forked", event), rows)
    return log.map(lambda held: (held, value, restored.unwrap()))


def _new_run(
    store: RunStore, entry: Entry, run_id: str, key: str, *, spec: WorkSpec, parent: str | None = None
) -> TrackedRun:
    now = store.clock.now()
    return TrackedRun(
        run_id=run_id,
        kind=KIND,
        name=entry.name,
        status=RunStatus.RUNNING,
        idempotency_key=key,
        parent_run_id=parent,
        spec=spec,
        created_at=now,
        updated_at=now,
    )


def create(
    store: RunStore,
    run: TrackedRun,
    codec: PlanCodec,
    event: tuple[str, Mapping[str, JsonValue]],
    copies: Sequence[Checkpoint] = (),
) -> Result[RunLog, SpineError]:
    """Insert ``run`` (born running and leased to this worker), its first event and ``copies``.

    An ``IntegrityError`` means its idempotency key is taken.
    """
    now = run.created_at
    sealed = seal(run.run_id, (0, GENESIS_HASH), [event], now, store.ids.new_id)
    if isinstance(sealed, ValidationError):
        return Failure(sealed)
    (first,), (_, hashed) = sealed
    steps = _step_rows(store, run.run_id, now, hashed, copies)
    if isinstance(steps, ValidationError):
        return Failure(steps)
    last_seq, hashed = 1 + len(steps), steps[-1][7] if steps else hashed
    params: dict[str, SqlValue] = {
        "run_id": run.run_id,
        "kind": KIND,
        "name": run.name,
        "status": RunStatus.RUNNING.value,
        "idempotency_key": run.idempotency_key,
        "parent_run_id": run.parent_run_id,
        "attempt": 1,
        "spec": encode_json(run.spec).decode(),
        "created_at": now,
        "updated_at": now,
        "started_at": now,
        "lease_owner": store.owner,
        "lease_expires_at": lease_until(now, store.lease_s),
        "last_seq": last_seq,
        "last_hash": hashed,
    }

    def write(_: Connection) -> Result[None, DatabaseError]:
        made = store.execute("run", params)
        error = made.failure() if isinstance(made, Failure) else store.insert("event", first)
        for step in steps:
            error = error or store.insert("step", step)
        return Success(None) if error is None else Failure(error)

    written = in_transaction(store.db.connection, write)
    held = msgspec.structs.replace(run, attempt=1, started_at=now, last_seq=last_seq, last_hash=hashed)
    return written.map(lambda _: RunLog(store, held, codec))


def _step_rows(
    store: RunStore, run_id: str, at: datetime, prev: str, copies: Sequence[Checkpoint]
) -> list[StepRow] | ValidationError:
    """``copies`` as the step events that follow the run's first event (seq 2 on), chained after ``prev``."""
    rows: list[StepRow] = []
    for seq, copy in enumerate(copies, start=2):
        name_json = json_string(copy.step_name)
        error = None if copy.error is None else error_json(copy.error)
        if name_json is None:
            return ValidationError(f"step {copy.step_name!r} cannot be written to the ledger", field="step")
        took_us = (copy.finished_at - copy.started_at) // timedelta(microseconds=1)
        payload = step_payload(name_json, copy.step_index, copy.status, copy.attempt, took_us, error)
        try:
            row, prev = event_row(
                run_id, seq, prev, (store.ids.new_id(), f"step_{copy.status.value}", at, payload)
            )
        except ValidationError as refused:
            return refused
        rows.append((*row, copy.output))
    return rows
