"""``RunStore``: what every durable run's log shares — the database, its statements, the ports.

Statements are compiled once per store. Inserts bind positional rows (``EventRow``,
``StepRow``) and go through the interpreter's fast paths where it has them:
``FETCH_ROWS`` for one statement, :data:`WRITE_ALL` for a step's whole transaction, its
event and the anchor update (the SQLite interpreter has both); elsewhere they run through
the ``Connection`` port, in a ``transaction()``. The other updates (rare: claims, the end
of a turn) take the port by name, which reports the rows they matched.

It runs statements only on the ``Database`` it is given, and imports no driver (the pure
contract holds): the composition root injects the database, the clock and the ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Final, final

from returns.result import Failure, Result, Success

from spine.core.clock import Clock
from spine.core.errors import DatabaseError, SpineError
from spine.core.ids import IdSource
from spine.execution.dispatcher import DeadLetterSink
from spine.execution.ledger_chain import GENESIS_HASH
from spine.execution.status import RunStatus
from spine.orchestration.checkpoints import (
    ANCHOR_STEP,
    CLAIM,
    DUE,
    FINISH,
    HEAD,
    INSERT_EVENT,
    INSERT_RUN,
    INSERT_STEP,
    KIND,
    ORPHANED,
    RELEASE,
    RENEW,
    STEPS,
    Checkpoint,
    TrackedRun,
    checkpoints_from,
)
from spine.orchestration.run_events import StepRow
from spine.storage.compiled import CompiledQuery, SqlValue
from spine.storage.connection import FETCH_ROWS, Connection, FetchRows
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.sql.compiler import compile
from spine.storage.tables import RUNS

__all__ = ["WRITE_ALL", "AnchorRow", "RenewRow", "RunStore", "WriteAll"]

WRITE_ALL: Final = "_write_all"
"""The name of an interpreter's optional batch fast path; not part of the ``Connection`` port.

``_write_all(self, batch)`` runs ``(query, positional args)`` pairs in one transaction of
their own, all or nothing (a savepoint inside an open transaction), binding, converting and
failing exactly as ``execute`` does. It returns ``None`` once committed, else the index of the
statement that failed (``len(batch)``: the COMMIT) and its error, everything rolled back; a
BEGIN that fails is the first statement's refusal (``25P02``), as in a ``transaction()``.
Looked up on the class, as ``FETCH_ROWS`` is. The SQLite interpreter has it."""

type Batch = Sequence[tuple[CompiledQuery, tuple[SqlValue, ...]]]
type WriteAll = Callable[[Connection, Batch], tuple[int, DatabaseError] | None]
"""The signature of a :data:`WRITE_ALL` method, looked up on the class (``self`` first)."""
type AnchorRow = tuple[SqlValue, int, str, str, int]
"""The ``anchor`` update's arguments: updated_at, last_seq, last_hash, run_id, token."""
type RenewRow = tuple[SqlValue, SqlValue, int, str, str, int]
"""The ``renew`` update's arguments: lease_expires_at, then an :data:`AnchorRow`."""

_STATEMENTS: Final = {
    "renew": RENEW,
    "anchor": ANCHOR_STEP,
    "claim": CLAIM,
    "finish": FINISH,
    "event": INSERT_EVENT,
    "step": INSERT_STEP,
    "steps": STEPS,
    "run": INSERT_RUN,
    "release": RELEASE,
    "head": HEAD,
    "due": DUE,
    "orphaned": ORPHANED,
}


@final
class RunStore:
    """The database, its compiled statements, and the ports every run's log writes through."""

    __slots__ = (
        "_anchor",
        "_fetch",
        "_q",
        "_renew",
        "_step",
        "_write_all",
        "clock",
        "db",
        "dead_letters",
        "ids",
        "lease_s",
        "owner",
        "runs",
        "sqlite",
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
        self._q: dict[str, CompiledQuery] = {k: compile(s, db.dialect) for k, s in _STATEMENTS.items()}
        self._step = self._q["step"]
        self._anchor = self._q["anchor"]
        self._renew = self._q["renew"]
        kind = type(db.connection)
        self._fetch: FetchRows | None = getattr(kind, FETCH_ROWS, None)
        self._write_all: WriteAll | None = getattr(kind, WRITE_ALL, None)
        self.sqlite = db.dialect.name == "sqlite"
        """Instants are bound as the text SQLite stores (made once, from the text the ledger
        hashes); other databases bind datetimes."""

    def execute(self, name: str, params: Mapping[str, SqlValue]) -> Result[int, DatabaseError]:
        """Run one of the compiled statements by name; the rows it affected."""
        ran = self.db.connection.execute(self._q[name], params)
        if isinstance(ran, Success):
            return Success(ran.unwrap().rowcount)
        return Failure(ran.failure())

    def insert(self, name: str, row: Sequence[SqlValue]) -> DatabaseError | None:
        """Run one of the compiled inserts on a positional ``row``; its error, if any."""
        return self._run(self._q[name], row)

    def _run(self, query: CompiledQuery, row: Sequence[SqlValue]) -> DatabaseError | None:
        conn, fetch = self.db.connection, self._fetch
        if fetch is None:
            ran = conn.execute(query, dict(zip(query.param_names, row, strict=True)))
            return None if isinstance(ran, Success) else ran.failure()
        done = fetch(conn, query, tuple(row))
        return done if isinstance(done, DatabaseError) else None

    def _in_transaction(self, batch: Batch) -> tuple[int, DatabaseError] | None:
        """:data:`WRITE_ALL` through the port, for the interpreters that lack it."""
        failed: tuple[int, DatabaseError] | None = None
        with self.db.transaction() as tx:
            for k, (query, row) in enumerate(batch):
                error = self._run(query, row)
                if error is not None:
                    failed = k, error
                    tx.set_rollback_only()
                    break
        if failed is None and isinstance(tx.outcome, Failure):
            failed = len(batch), tx.outcome.failure()
        return failed

    def due(self, status: RunStatus, at: datetime, limit: int) -> Result[list[str], DatabaseError]:
        """The workflow runs a sweep at ``at`` takes: timers due (WAITING) or leases expired (RUNNING).

        Oldest first, at most ``limit``.
        """
        statement = "due" if status is RunStatus.WAITING else "orphaned"
        params: dict[str, SqlValue] = {"kind": KIND, "status": status.value, "now": at, "limit": limit}
        ran = self.db.connection.execute(self._q[statement], params)
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        return Success([str(row[0]) for row in ran.unwrap().rows])

    def write_step(self, event: StepRow, anchor: AnchorRow) -> tuple[int, DatabaseError] | None:
        """A step's event (its checkpoint) and the run row's anchor, in one transaction (pre-bound).

        The anchor update is fenced by the lease token, but its row count is not read: a
        worker that lost the run is stopped by the event's key (the claim wrote the next
        event).
        """
        write_all = self._write_all
        if write_all is None:
            return self._in_transaction(((self._step, event), (self._anchor, anchor)))
        return write_all(self.db.connection, ((self._step, event), (self._anchor, anchor)))

    def renew_step(self, event: StepRow, renewal: RenewRow) -> tuple[int, DatabaseError] | None:
        """:meth:`write_step`, the holder's lease extended by the same update."""
        batch = ((self._step, event), (self._renew, renewal))
        write_all = self._write_all
        return self._in_transaction(batch) if write_all is None else write_all(self.db.connection, batch)

    def steps(self, run_id: str) -> Result[tuple[Checkpoint, ...], SpineError]:
        """The run's checkpoints: each step's last step event, in step order."""
        ran = self.db.connection.execute(self._q["steps"], {"run_id": run_id})
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        return checkpoints_from(run_id, ran.unwrap().rows)

    def head(self, run_id: str) -> Result[tuple[int, str], DatabaseError]:
        """The seq and hash of the run's last ledger event (``0`` and the genesis hash: none)."""
        ran = self.db.connection.execute(self._q["head"], {"run_id": run_id, "limit": 1})
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        rows = ran.unwrap().rows
        if not rows:
            return Success((0, GENESIS_HASH))
        seq, hashed = rows[0]
        return Success((int(str(seq)), str(hashed)))
