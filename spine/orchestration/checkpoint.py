"""``RunLog``: everything one worker writes for the run it holds, each write one transaction.

# Theory of operation
# -------------------
# A worker holds a run from the moment it creates or claims it until it ends the run's turn
# (completed, failed, dead-lettered, waiting) or stops. While it holds it, it is the run's
# only writer, so the ledger anchor (``last_seq``, ``last_hash``) and the fencing token
# (``attempt``) live in memory: no write reads first. Each step's outcome is one
# transaction: the fenced anchor update (which also renews the lease once half of it is
# spent), the step's ledger event and its checkpoint. The update matches no row when
# another worker took the run over (its claim moved ``attempt`` and the anchor): the
# transaction rolls back, the log is *lost*, and the run stops without writing again. A
# database failure leaves the log *broken*: the run stops and gives its lease up, so a
# resume can continue from the last checkpoint. ``journal`` is the engine's journal port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final, final

from returns.result import Failure, Result, Success

from spine.core.clock import Clock
from spine.core.codec import encode_json
from spine.core.errors import (
    ConflictError,
    DatabaseError,
    ErrorRecord,
    SpineError,
    ValidationError,
    to_record,
)
from spine.core.ids import IdSource
from spine.core.json_types import JsonValue
from spine.execution.dispatcher import DeadLetterSink
from spine.execution.ledger_chain import GENESIS_HASH
from spine.execution.ledger_hash import instant_text
from spine.execution.runs import RunRecord
from spine.execution.status import RunStatus, transition
from spine.orchestration.checkpoints import (
    ADVANCE,
    ADVANCE_RENEW,
    CLAIM,
    FINISH,
    INSERT_CHECKPOINT,
    INSERT_EVENT,
    INSERT_RUN,
    KIND,
    RELEASE,
    REWRITE_CHECKPOINT,
    Checkpoint,
    TrackedRun,
    event_row,
    lease_until,
    payload_json,
    step_key,
    step_payload,
)
from spine.orchestration.durable_codec import PlanCodec
from spine.orchestration.engine import Outcome
from spine.orchestration.report import StepStatus
from spine.storage.compiled import CompiledQuery, SqlValue
from spine.storage.connection import FETCH_ROWS, FetchRows
from spine.storage.database import Database
from spine.storage.drivers._values import utc_text
from spine.storage.repository import BaseRepository
from spine.storage.sql.compiler import compile
from spine.storage.tables import CHECKPOINTS, RUNS

__all__ = ["RunLog", "RunStore"]

_DONE: Final = frozenset({StepStatus.COMPLETED, StepStatus.CONTINUED})
_FAILED: Final = StepStatus.FAILED
# Enum members' ``.value`` is a descriptor call: the hot path reads these tables instead.
_VALUES: Final = {s: s.value for s in StepStatus}
_EVENT_TYPES: Final = {s: f"step_{s.value}" for s in StepStatus}
type _Params = dict[str, SqlValue]


def _as_is(at: datetime) -> SqlValue:
    return at


@final
class RunStore:
    """What every run's log shares: the database, its compiled statements, the ports."""

    __slots__ = (
        "_fetch",
        "_q",
        "checkpoints",
        "clock",
        "db",
        "dead_letters",
        "ids",
        "instant",
        "lease_s",
        "owner",
        "runs",
    )

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        ids: IdSource,
        owner: str,
        lease_s: float,
        dead_letters: DeadLetterSink | None,
    ) -> None:
        self.db, self.clock, self.ids, self.owner, self.lease_s = db, clock, ids, owner, lease_s
        self.dead_letters = dead_letters
        self.runs = BaseRepository(db, RUNS, TrackedRun)
        self.checkpoints = BaseRepository(db, CHECKPOINTS, Checkpoint)
        statements = {
            "advance": ADVANCE,
            "renew": ADVANCE_RENEW,
            "claim": CLAIM,
            "finish": FINISH,
            "event": INSERT_EVENT,
            "checkpoint": INSERT_CHECKPOINT,
            "rewrite": REWRITE_CHECKPOINT,
            "run": INSERT_RUN,
            "release": RELEASE,
        }
        self._q: dict[str, CompiledQuery] = {k: compile(s, db.dialect) for k, s in statements.items()}
        self._fetch: FetchRows | None = getattr(type(db.connection), FETCH_ROWS, None)
        self.instant: Callable[[datetime], SqlValue] = utc_text if db.dialect.name == "sqlite" else _as_is
        """An instant as bound: SQLite stores the text its interpreter would make of it (made
        once here, so no step's arguments need converting); other drivers bind datetimes."""

    def execute(self, name: str, params: Mapping[str, SqlValue]) -> Result[int, DatabaseError]:
        """Run one of the compiled statements; the rows it affected."""
        ran = self.db.connection.execute(self._q[name], params)
        if isinstance(ran, Success):
            return Success(ran.unwrap().rowcount)
        return Failure(ran.failure())

    def insert(self, name: str, params: Mapping[str, SqlValue]) -> DatabaseError | None:
        """Run one of the compiled inserts; its error, if any (through the interpreter's fast path)."""
        query, conn, fetch = self._q[name], self.db.connection, self._fetch
        if fetch is None:
            ran = conn.execute(query, params)
            return None if isinstance(ran, Success) else ran.failure()
        done = fetch(conn, query, tuple([params[n] for n in query.param_names]))
        return done if isinstance(done, DatabaseError) else None


@final
class RunLog:
    """The run this worker holds: its anchor and token in memory, and every write it makes."""

    __slots__ = (
        "_renew_at",
        "broken",
        "codec",
        "existing",
        "hash",
        "lost",
        "result",
        "run",
        "seq",
        "store",
        "token",
    )

    def __init__(self, store: RunStore, run: TrackedRun, codec: PlanCodec) -> None:
        self.store, self.run, self.codec = store, run, codec
        self.token = run.attempt
        self.seq, self.hash = run.last_seq, run.last_hash or GENESIS_HASH
        self.existing: set[int] = set()
        """Nodes with a stored checkpoint that did not finish them (it is rewritten)."""
        self.result: bytes | None = None
        """The output node's checkpoint bytes, once it has one."""
        self.lost = False
        self.broken: SpineError | None = None
        self._renew_at = store.clock.monotonic() + store.lease_s / 2

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.run.run_id

    @property
    def stopped(self) -> bool:
        """True when this worker may not write for the run any more."""
        return self.lost or self.broken is not None

    # --- steps ---------------------------------------------------------------------------

    def journal(self, i: int, outcome: Outcome) -> SpineError | None:
        """Checkpoint node ``i``'s outcome with its ledger event, in one transaction."""
        codec, store = self.codec, self.store
        status = outcome.status
        name_json = codec.name_json(i)
        name = codec.plan.nodes[i].name
        if name_json is None:
            return ValidationError(f"step name {name!r} cannot be written to the ledger", field="step")
        output: bytes | None = None
        if status is not _FAILED:
            encoded = codec.encode(i, outcome.value, chosen=outcome.chosen, wake_at=outcome.wake_at)
            if isinstance(encoded, ValidationError):
                return encoded
            output = encoded
        error = outcome.error
        attempt = outcome.attempts if outcome.attempts > 0 else 1
        clock, instant = store.clock, store.instant
        now = clock.now()
        at = instant(now)
        seq = self.seq + 1
        payload = step_payload(name_json, i, status, attempt)
        event = (store.ids.new_id(), _EVENT_TYPES[status], now, payload)
        row, hashed = event_row(self.run.run_id, seq, self.hash, event, stored_at=at)
        anchor: _Params = {
            "last_seq": seq,
            "last_hash": hashed,
            "run_id": self.run.run_id,
            "token": self.token,
            "expected": self.seq,
        }
        renew = clock.monotonic() >= self._renew_at
        if renew:
            anchor["lease_expires_at"] = instant(lease_until(now, store.lease_s))
            anchor["updated_at"] = at
        checkpoint: _Params = {
            "run_id": self.run.run_id,
            "step_name": name,
            "step_index": i,
            "attempt": attempt,
            "status": _VALUES[status],
            "output": output,
            "error": None if error is None else encode_json(to_record(error)).decode(),
            "idempotency_key": step_key(self.run.run_id, name, attempt),
            "started_at": instant(now - timedelta(seconds=outcome.duration_s)) if outcome.duration_s else at,
            "finished_at": at,
        }
        with store.db.transaction() as tx:
            problem = self._write("renew" if renew else "advance", anchor, row, checkpoint, i)
            if problem is not None:
                tx.set_rollback_only()
        problem = problem or self._settled(tx.outcome)
        if problem is not None:
            return problem
        self.seq, self.hash = seq, hashed
        self.existing.add(i)
        if renew:
            self._renew_at = clock.monotonic() + store.lease_s / 2
        if i == codec.plan.output and status in _DONE:
            self.result = output
        return None

    def _write(
        self, advance: str, anchor: _Params, event: _Params, checkpoint: _Params, i: int
    ) -> SpineError | None:
        store = self.store
        moved = store.execute(advance, anchor)
        if not isinstance(moved, Success):
            return self._break(moved.failure())
        if moved.unwrap() != 1:
            return self._lose()
        error = store.insert("event", event)
        if error is None and i in self.existing:
            rewritten = store.execute("rewrite", checkpoint)
            error = None if isinstance(rewritten, Success) else rewritten.failure()
        elif error is None:
            error = store.insert("checkpoint", checkpoint)
        return None if error is None else self._break(error)

    # --- ending the turn -----------------------------------------------------------------

    def complete(self) -> SpineError | None:
        """The run completed: store its result (the output step's checkpoint) and free it."""
        events: list[tuple[str, Mapping[str, JsonValue]]] = [("completed", {"attempt": self.token})]
        return self._finish(RunStatus.COMPLETED, events, result=self.result)

    def suspend(self, wake_at: datetime, step: str) -> SpineError | None:
        """The run waits at ``step`` until ``wake_at``: free it for whoever resumes it then."""
        events: list[tuple[str, Mapping[str, JsonValue]]] = [
            ("waiting", {"step": step, "wake_at": instant_text(wake_at)})
        ]
        return self._finish(RunStatus.WAITING, events, wake_at=wake_at)

    def fail(self, error: SpineError, step: str | None) -> SpineError | None:
        """The run failed: record the error and, with a dead-letter queue, file it there."""
        record = to_record(error)
        events: list[tuple[str, Mapping[str, JsonValue]]] = [("failed", {"step": step, "code": record.code})]
        filed = self.store.dead_letters is not None
        if filed:
            events.append(("dead_lettered", {"step": step}))
        return self._finish(RunStatus.FAILED, events, error=record, dead_letter=filed)

    def release(self) -> None:
        """Give the lease up (best effort: the worker cannot go on)."""
        if not self.lost:
            self.store.execute("release", {"lease_owner": None, "lease_expires_at": None, **self._fence()})

    def _fence(self) -> _Params:
        return {"run_id": self.run.run_id, "token": self.token}

    def _finish(
        self,
        status: RunStatus,
        events: Sequence[tuple[str, Mapping[str, JsonValue]]],
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
        store, now = self.store, self.store.clock.now()
        rows: list[_Params] = []
        seq, hashed = self.seq, self.hash
        for kind, values in events:
            payload = payload_json(values)
            if isinstance(payload, ValidationError):
                return payload
            seq += 1
            row, hashed = event_row(self.run.run_id, seq, hashed, (store.ids.new_id(), kind, now, payload))
            rows.append(row)
        record = None if error is None else encode_json(error).decode()
        params: _Params = {
            "status": final.value,
            "result": result,
            "error": record,
            "finished_at": None if final is RunStatus.WAITING else now,
            "wake_at": wake_at,
            "updated_at": now,
            "lease_owner": None,
            "lease_expires_at": None,
            "last_seq": seq,
            "last_hash": hashed,
            "run_id": self.run.run_id,
            "token": self.token,
            "expected": self.seq,
        }
        with store.db.transaction() as tx:
            problem = self._end(params, rows, now, error if dead_letter else None)
            if problem is not None:
                tx.set_rollback_only()
        problem = problem or self._settled(tx.outcome)
        if problem is None:
            self.seq, self.hash = seq, hashed
        return problem

    def _end(
        self, params: _Params, rows: Sequence[_Params], now: datetime, dead_letter: ErrorRecord | None
    ) -> SpineError | None:
        store = self.store
        moved = store.execute("finish", params)
        if not isinstance(moved, Success):
            return self._break(moved.failure())
        if moved.unwrap() != 1:
            return self._lose()
        for row in rows:
            error = store.insert("event", row)
            if error is not None:
                return self._break(error)
        sink = store.dead_letters
        if dead_letter is not None and sink is not None:
            run = self.run
            filed = sink.file(
                RunRecord(
                    run_id=run.run_id,
                    kind=KIND,
                    name=run.name,
                    status=RunStatus.DEAD_LETTERED,
                    idempotency_key=run.idempotency_key,
                    parent_run_id=run.parent_run_id,
                    attempt=self.token,
                    spec=run.spec,
                    created_at=run.created_at,
                    updated_at=now,
                    started_at=run.started_at,
                    finished_at=now,
                ),
                dead_letter,
            )
            if not isinstance(filed, Success):
                return self._break(filed.failure())
        return None

    # --- trouble -------------------------------------------------------------------------

    def _lose(self) -> ConflictError:
        self.lost = True
        msg = f"lost the lease on run {self.run.run_id!r}: another worker took it over"
        return ConflictError(msg, context={"run_id": self.run.run_id})

    def _break(self, error: SpineError) -> SpineError:
        self.broken = error
        return error

    def _settled(self, outcome: Result[bool, DatabaseError]) -> SpineError | None:
        if isinstance(outcome, Failure):
            return self._break(outcome.failure())
        return None
