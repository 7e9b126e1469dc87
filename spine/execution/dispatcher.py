"""``Dispatcher``: submit work specs, run them on an executor, and keep their runs honest.

# Theory of operation
# -------------------
# ``submit`` checks the spec before anything runs (a registered name, parameters that decode),
# then writes the run (PENDING) and its ``submitted`` event in one transaction; the same
# idempotency key returns the first run instead. Each attempt moves QUEUED -> RUNNING and goes
# to the executor; outcomes come back through a thread-safe queue and are applied on the
# dispatcher's own thread (database connections are not shared across threads), each status
# change a compare-and-set update plus its ledger event in one transaction. A retryable error
# with attempts left moves FAILED -> RETRYING with a wake-up time; anything else moves
# FAILED -> DEAD_LETTERED and files a dead letter. Whether and when to retry: the spec's
# RetryPolicy, by the pure ``next_delay`` (jitter drawn from the injected RandomSource).
# ``pump``/``wait`` apply outcomes and start retries that are due; with the inline executor
# ``submit`` does that itself until the run ends.
"""

from __future__ import annotations

import heapq
import queue
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol, final

from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.codec import encode_json
from spine.core.errors import (
    ConflictError,
    ErrorRecord,
    IntegrityError,
    NotFoundError,
    SpineError,
    from_record,
)
from spine.core.ids import IdSource, RunId
from spine.core.json_types import JsonValue
from spine.execution.executor import Executor
from spine.execution.jitter import RandomSource
from spine.execution.registry import HandlerRegistry
from spine.execution.retry import RetryAfter, next_delay
from spine.execution.runner import Attempt, Outcome
from spine.execution.runs import FINISH, MOVE, START, RunRecord
from spine.execution.spec import WorkSpec
from spine.execution.status import FINAL, RunStatus, transition
from spine.storage.compiled import SqlValue
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.sql.statement import Statement
from spine.storage.tables import RUNS

__all__ = ["DeadLetterSink", "Dispatcher", "EventSink"]


class EventSink(Protocol):
    """Where run events go (the ``ExecutionLedger``), inside the caller's transaction."""

    def append(
        self, run_id: str, event_type: str, payload: Mapping[str, JsonValue], /
    ) -> Result[object, SpineError]:
        """Record one event for ``run_id``."""
        ...


class DeadLetterSink(Protocol):
    """Where runs that failed for good are filed (the ``DLQManager``)."""

    def file(self, run: RunRecord, error: ErrorRecord, /) -> Result[object, SpineError]:
        """File ``run`` with its final error."""
        ...


@final
class Dispatcher:
    """Runs work specs through an executor with persisted, state-checked runs."""

    def __init__(
        self,
        db: Database,
        registry: HandlerRegistry,
        *,
        events: EventSink,
        dead_letters: DeadLetterSink,
        ids: IdSource,
        clock: Clock,
        sleeper: Sleeper,
        random: RandomSource,
        executor: Executor,
    ) -> None:
        self._db, self._registry, self._events, self._dead = db, registry, events, dead_letters
        self._ids, self._clock, self._sleeper, self._random = ids, clock, sleeper, random
        self._executor = executor
        self._inline = executor.inline
        self._runs = BaseRepository(db, RUNS, RunRecord)
        self._outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._due: list[tuple[float, str]] = []
        self._delays: dict[str, float] = {}  # last retry delay per run (decorrelated jitter)

    # --- submitting ----------------------------------------------------------------------

    def submit(self, spec: WorkSpec, /) -> Result[RunId, SpineError]:
        """Check, persist and start ``spec``; the same idempotency key returns the same run."""
        handler = self._registry.get(spec.name)
        if isinstance(handler, Failure):
            return Failure(handler.failure())
        decoded = handler.unwrap().decode(spec.params)
        if isinstance(decoded, Failure):
            return Failure(decoded.failure())
        run_id = RunId(self._ids.new_id())
        key = spec.idempotency_key or run_id
        earlier = self._by_key(key)
        if isinstance(earlier, Failure) or earlier.unwrap() is not None:
            return earlier.map(lambda found: RunId(found or run_id))
        now = self._clock.now()
        record = RunRecord(
            run_id=run_id,
            kind=spec.kind.value,
            name=spec.name,
            status=RunStatus.PENDING,
            idempotency_key=key,
            parent_run_id=spec.parent_run_id,
            correlation_id=spec.correlation_id,
            lane=spec.lane,
            priority=spec.priority,
            spec=spec,
            created_at=now,
            updated_at=now,
        )
        stored = self._persist(record)
        if isinstance(stored, Failure) or stored.unwrap() != run_id:
            return stored
        self._launch(record, 1)
        if self._inline:
            self.wait(run_id)
        return Success(run_id)

    def _by_key(self, key: str) -> Result[str | None, SpineError]:
        found = self._runs.find({"idempotency_key": key})
        return found.map(lambda rows: rows[0].run_id if rows else None)

    def _persist(self, record: RunRecord) -> Result[RunId, SpineError]:
        """Insert the run, ``submitted``, ``queued`` and ``started`` in one transaction.

        A lost idempotency-key race returns the winner's id.
        """
        with self._db.transaction() as tx:
            stored: Result[object, SpineError] = self._runs.insert(record)
            if isinstance(stored, Success):
                payload: dict[str, JsonValue] = {"name": record.name, "key": record.idempotency_key}
                stored = self._events.append(record.run_id, "submitted", payload)
            if isinstance(stored, Success):
                stored = self._mark_running(record, RunStatus.PENDING, 1)
            if isinstance(stored, Failure):
                tx.set_rollback_only()
        if isinstance(stored, Failure):
            if isinstance(stored.failure(), IntegrityError):
                winner = self._by_key(record.idempotency_key)
                if isinstance(winner, Success) and winner.unwrap() is not None:
                    return Success(RunId(winner.unwrap() or ""))
            return Failure(stored.failure())
        if isinstance(tx.outcome, Failure):
            return Failure(tx.outcome.failure())
        return Success(RunId(record.run_id))

    # --- observing -----------------------------------------------------------------------

    def get(self, run_id: str, /) -> Result[RunRecord, SpineError]:
        """The run's current record."""
        found = self._runs.get(run_id)
        if isinstance(found, Failure):
            return Failure(found.failure())
        record = found.unwrap()
        if record is None:
            return Failure(NotFoundError(f"no run {run_id!r}", resource="run", key=run_id))
        return Success(record)

    def runs(
        self, *, status: RunStatus | None = None, limit: int = 100
    ) -> Result[tuple[RunRecord, ...], SpineError]:
        """Recent runs, optionally with one status, oldest first."""
        where: dict[str, SqlValue] = {} if status is None else {"status": status.value}
        return self._runs.find(where, order_by=["created_at", "run_id"], limit=limit)

    def cancel(self, run_id: str, /) -> Result[RunRecord, SpineError]:
        """Cancel a run that has not ended; an attempt still running has its outcome discarded."""
        found = self.get(run_id)
        if isinstance(found, Failure):
            return found
        run = found.unwrap()
        moved = self._move(run, RunStatus.CANCELLED, "cancelled", {})
        if isinstance(moved, Failure):
            return Failure(moved.failure())
        return self.get(run_id)

    # --- pumping -------------------------------------------------------------------------

    def pump(self, timeout_s: float = 0.0, /) -> int:
        """Apply finished outcomes and start due retries; wait up to ``timeout_s`` for one."""
        applied = 0
        while True:
            self._start_due()
            try:
                outcome = (
                    self._outcomes.get(timeout=timeout_s) if timeout_s > 0 else self._outcomes.get_nowait()
                )
            except queue.Empty:
                return applied
            self._apply(outcome)
            applied += 1
            timeout_s = 0.0

    def wait(self, run_id: str, /, timeout_s: float = 60.0) -> Result[RunRecord, SpineError]:
        """Pump until ``run_id`` reaches a final status (or the timeout passes)."""
        deadline = self._clock.monotonic() + timeout_s
        while True:
            self.pump()
            found = self.get(run_id)
            if isinstance(found, Failure) or found.unwrap().status in FINAL:
                return found
            now = self._clock.monotonic()
            if now >= deadline:
                return found
            if self._due and self._due[0][0] > now and self._outcomes.empty():
                self._sleeper.sleep(min(self._due[0][0], deadline) - now)
            else:
                self.pump(min(0.05, deadline - now))

    # --- transitions ---------------------------------------------------------------------

    def _start(self, run: RunRecord, current: RunStatus, attempt: int) -> Result[None, SpineError]:
        """QUEUED then RUNNING, in one transaction; then hand the attempt to the executor.

        The handler runs after the commit: a long handler never holds the database.
        """
        with self._db.transaction() as tx:
            marked = self._mark_running(run, current, attempt)
            if isinstance(marked, Failure):
                tx.set_rollback_only()
        if isinstance(marked, Failure):
            return marked
        if isinstance(tx.outcome, Failure):
            return Failure(tx.outcome.failure())
        self._launch(run, attempt)
        return Success(None)

    def _mark_running(self, run: RunRecord, current: RunStatus, attempt: int) -> Result[None, SpineError]:
        queued = self._move(run, RunStatus.QUEUED, "queued", {"attempt": attempt}, current=current)
        if isinstance(queued, Failure):
            return queued
        now = self._clock.now()
        params: dict[str, SqlValue] = {
            "run_id": run.run_id,
            "from_status": RunStatus.QUEUED.value,
            "status": RunStatus.RUNNING.value,
            "attempt": attempt,
            "started_at": now,
            "updated_at": now,
        }
        return self._write(run.run_id, START, params, "started", {"attempt": attempt})

    def _launch(self, run: RunRecord, attempt: int) -> None:
        spec = run.spec
        self._executor.start(
            Attempt(
                run_id=run.run_id,
                attempt=attempt,
                name=spec.name,
                params=spec.params,
                timeout_s=spec.timeout_s,
            ),
            self._outcomes.put,
        )

    def _apply(self, outcome: Outcome) -> None:
        found = self.get(outcome.run_id)
        if isinstance(found, Failure):
            return
        run = found.unwrap()
        if run.status is not RunStatus.RUNNING or run.attempt != outcome.attempt:
            return  # cancelled meanwhile, or a late result of a timed-out attempt
        now = self._clock.now()
        target = RunStatus.COMPLETED if outcome.error is None else RunStatus.FAILED
        params: dict[str, SqlValue] = {
            "run_id": run.run_id,
            "from_status": RunStatus.RUNNING.value,
            "status": target.value,
            "result": outcome.value,
            "error": None if outcome.error is None else _json(outcome.error),
            "finished_at": now,
            "updated_at": now,
        }
        payload: dict[str, JsonValue] = {"attempt": outcome.attempt}
        if outcome.error is not None:
            payload["error"] = _json(outcome.error)
        finished = self._write(run.run_id, FINISH, params, target.value, payload)
        if isinstance(finished, Failure) or outcome.error is None:
            return
        record = outcome.error
        error = from_record(record)
        policy = run.spec.retry
        decision = (
            None
            if policy is None
            else next_delay(
                policy,
                outcome.attempt,
                error,
                self._random.random(),
                self._delays.get(run.run_id),
                elapsed_s=(now - run.created_at).total_seconds(),
            )
        )
        if isinstance(decision, RetryAfter):
            delay = decision.delay_s
            self._delays[run.run_id] = delay
            wake = now + timedelta(seconds=delay)
            moved = self._move(
                run, RunStatus.RETRYING, "retrying", {"delay_s": delay}, current=RunStatus.FAILED, wake=wake
            )
            if isinstance(moved, Success):
                heapq.heappush(self._due, (self._clock.monotonic() + delay, run.run_id))
            return
        with self._db.transaction() as tx:
            filed: Result[object, SpineError] = self._move(
                run, RunStatus.DEAD_LETTERED, "dead_lettered", {}, current=RunStatus.FAILED
            )
            if isinstance(filed, Success):
                filed = self._dead.file(run, record)
            if isinstance(filed, Failure):
                tx.set_rollback_only()

    def _start_due(self) -> None:
        now = self._clock.monotonic()
        while self._due and self._due[0][0] <= now:
            _, run_id = heapq.heappop(self._due)
            found = self.get(run_id)
            if isinstance(found, Success) and found.unwrap().status is RunStatus.RETRYING:
                run = found.unwrap()
                self._start(run, RunStatus.RETRYING, run.attempt + 1)

    def _move(
        self,
        run: RunRecord,
        target: RunStatus,
        event: str,
        payload: Mapping[str, JsonValue],
        *,
        current: RunStatus | None = None,
        wake: datetime | None = None,
    ) -> Result[None, SpineError]:
        source = current or run.status
        legal = transition(source, target)
        if isinstance(legal, Failure):
            return Failure(legal.failure())
        params: dict[str, SqlValue] = {
            "run_id": run.run_id,
            "from_status": source.value,
            "status": target.value,
            "updated_at": self._clock.now(),
            "wake_at": wake,
        }
        return self._write(run.run_id, MOVE, params, event, payload)

    def _write(
        self,
        run_id: str,
        statement: Statement,
        params: dict[str, SqlValue],
        event: str,
        payload: Mapping[str, JsonValue],
    ) -> Result[None, SpineError]:
        with self._db.transaction() as tx:
            ran = self._db.execute(statement, params)
            if isinstance(ran, Failure):
                tx.set_rollback_only()
                return Failure(ran.failure())
            if ran.unwrap().rowcount != 1:
                tx.set_rollback_only()
                msg = f"run {run_id!r} changed under us: it is no longer {params['from_status']!s:.20}"
                return Failure(ConflictError(msg, context={"run_id": run_id}))
            logged = self._events.append(run_id, event, payload)
            if isinstance(logged, Failure):
                tx.set_rollback_only()
                return Failure(logged.failure())
        if isinstance(tx.outcome, Failure):
            return Failure(tx.outcome.failure())
        return Success(None)


def _json(record: ErrorRecord) -> str:
    return encode_json(record).decode()
