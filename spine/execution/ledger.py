"""``ExecutionLedger``: append-only run events, each chained to the one before.

# Theory of operation
# -------------------
# ``append`` checks the event with the pure ``draft`` before any I/O, then, in one
# transaction (a savepoint when the caller already opened one, so a run's status change
# and its event commit together): reads the run's anchor (``last_seq``, ``last_hash`` on
# ``spine_runs``), seals the draft after it (pure), inserts the event and moves the anchor
# with a compare-and-set, ``UPDATE ... WHERE run_id = :run_id AND last_seq = :expected``.
# The anchor read locks the run row where the database can (``FOR UPDATE``; SQLite's
# ``BEGIN IMMEDIATE`` already serialises writers): appenders of one run queue instead of
# colliding, and MariaDB's REPEATABLE READ cannot hand a retry a stale anchor. A race lost
# anyway (the CAS matched no row, or the ``(run_id, seq)`` key was taken) rolls the attempt
# back and starts again from the read, at most ``max_attempts`` times, then is a
# ``ConflictError``. Nothing here updates or deletes an event.
#
# ``verify`` reads one run at a time inside a transaction that holds the run row (so no
# append lands between reading the anchor and reading the events) and leaves every
# judgement to ``ledger_chain.verify_chain``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.clock import Clock
from spine.core.errors import ConflictError, IntegrityError, NotFoundError, SpineError, ValidationError
from spine.core.ids import EventId, IdSource, RunId
from spine.core.json_types import JsonValue
from spine.execution.ledger_chain import (
    Draft,
    LedgerEvent,
    Tamper,
    Unreadable,
    draft,
    seal,
    verify_chain,
)
from spine.execution.ledger_rows import (
    ADVANCE,
    ANCHORED_RUNS,
    BY_TYPE,
    EVENT_RUNS,
    EVENTS,
    INSERT,
    WINDOW,
    anchor_from_row,
    anchor_read,
    event_from_row,
    event_row,
    seq_of,
)
from spine.storage.compiled import SqlValue
from spine.storage.database import Database
from spine.storage.sql.statement import Statement

__all__ = ["ExecutionLedger", "VerifyReport"]


class VerifyReport(msgspec.Struct, frozen=True, kw_only=True):
    """What :meth:`ExecutionLedger.verify` read, and every tampering it found, in run/seq order."""

    runs: int
    events: int
    tampers: tuple[Tamper, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether nothing was found."""
        return not self.tampers


class _Lost:
    """A race lost to another appender (or to a row written behind the ledger's back)."""

    __slots__ = ("cause",)

    def __init__(self, cause: SpineError) -> None:
        self.cause = cause


@final
class ExecutionLedger:
    """Append-only, hash-chained events of runs in ``spine_runs``; no update, no delete.

    >>> from spine.core.system import SystemClock, SystemSleeper
    >>> from spine.storage.connect import connect
    >>> from spine.storage.migrations import migrate
    >>> from spine.storage.sql import sql
    >>> from spine.testing import FakeClock, SequentialIdSource
    >>> db = Database(connect("sqlite://:memory:").unwrap())
    >>> _ = migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="doc").unwrap()
    >>> _ = db.execute(sql("INSERT INTO spine_runs (run_id, kind, name, status, idempotency_key, spec,"
    ...     " created_at, updated_at) VALUES ('r1', 'task', 'demo', 'pending', 'r1', '{}', :t, :t)"),
    ...     {"t": FakeClock().now()}).unwrap()
    >>> ledger = ExecutionLedger(db, ids=SequentialIdSource(), clock=FakeClock())
    >>> [ledger.append("r1", kind, {"n": n}).unwrap().seq for n, kind in enumerate(["queued", "started"])]
    [1, 2]
    >>> ledger.verify("r1").unwrap().ok, ledger.append("nope", "queued", {}).failure().category
    (True, <ErrorCategory.NOT_FOUND: 'not_found'>)
    """

    __slots__ = ("_clock", "_db", "_ids", "_lock_anchor", "_max_attempts")

    def __init__(self, db: Database, *, ids: IdSource, clock: Clock, max_attempts: int = 5) -> None:
        if max_attempts < 1:
            msg = f"max_attempts must be >= 1, got {max_attempts}"
            raise ValueError(msg)
        self._db, self._ids, self._clock, self._max_attempts = db, ids, clock, max_attempts
        self._lock_anchor = anchor_read(db.dialect)

    # --- writing -------------------------------------------------------------------------

    def append(
        self, run_id: str, event_type: str, payload: Mapping[str, JsonValue], *, at: datetime | None = None
    ) -> Result[LedgerEvent, SpineError]:
        """Append one event to ``run_id``'s chain (``at`` defaults to the clock's now).

        ``NotFoundError`` when the run does not exist, ``ValidationError`` for a bad event type,
        a naive ``at`` or a payload that is not a JSON object, ``ConflictError`` after
        ``max_attempts`` lost races.
        """
        when = self._clock.now() if at is None else at
        if when.utcoffset() is None:
            msg = f"at must be timezone-aware, got {when.isoformat()}"
            return Failure(ValidationError(msg, field="at", value=when.isoformat(), constraint="aware"))
        checked = draft(EventId(self._ids.new_id()), event_type, when.astimezone(UTC), payload)
        if isinstance(checked, Failure):
            return Failure(checked.failure())
        lost: _Lost | None = None
        for _ in range(self._max_attempts):
            with self._db.transaction() as tx:
                outcome = self._attempt(RunId(run_id), checked.unwrap())
                if not isinstance(outcome, LedgerEvent):
                    tx.set_rollback_only()
            if isinstance(outcome, SpineError):
                return Failure(outcome)
            if isinstance(outcome, _Lost):
                lost = outcome
                continue
            return Failure(tx.outcome.failure()) if isinstance(tx.outcome, Failure) else Success(outcome)
        msg = (
            f"could not append to run {run_id!r} in {self._max_attempts} attempts: other writers kept"
            " winning, or events were written behind the ledger's back (see verify())"
        )
        cause = lost.cause if lost is not None else None
        return Failure(ConflictError(msg, context={"run_id": run_id}, cause=cause))

    def _attempt(self, run_id: RunId, event: Draft) -> LedgerEvent | _Lost | SpineError:
        read = self._db.execute(self._lock_anchor, {"run_id": run_id})
        rows = read.unwrap().rows if isinstance(read, Success) else ()
        if not rows:
            missing = NotFoundError(f"no run {run_id!r} in spine_runs", resource="spine_runs", key=run_id)
            return missing if isinstance(read, Success) else _error(read)
        anchor = anchor_from_row(rows[0])
        sealed = seal(anchor, event)
        if isinstance(sealed, Failure):
            return _error(sealed)
        done = sealed.unwrap()
        inserted = self._db.execute(INSERT, event_row(done, event.payload_json))
        if isinstance(inserted, Failure):
            error = _error(inserted)
            return _Lost(error) if isinstance(error, IntegrityError) else error
        cas: dict[str, SqlValue] = {
            "run_id": run_id,
            "last_seq": done.seq,
            "last_hash": done.hash,
            "expected": anchor.last_seq,
        }
        moved = self._db.execute(ADVANCE, cas)
        if isinstance(moved, Failure):
            return _error(moved)
        if moved.unwrap().rowcount != 1:
            return _Lost(ConflictError(f"run {run_id!r} moved past seq {anchor.last_seq} meanwhile"))
        return done

    # --- reading -------------------------------------------------------------------------

    def events(self, run_id: str, /) -> Result[tuple[LedgerEvent, ...], SpineError]:
        """Every event of ``run_id`` in seq order (none for an unknown run)."""
        return self._read(EVENTS, {"run_id": run_id})

    def by_type(
        self, event_type: str, /, since: datetime | None = None, until: datetime | None = None
    ) -> Result[tuple[LedgerEvent, ...], SpineError]:
        """Events of ``event_type`` with ``since <= occurred_at < until`` (either bound optional).

        Ordered by ``occurred_at``, then run and seq.
        """
        params: dict[str, SqlValue] = {"event_type": event_type}
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                if value.utcoffset() is None:
                    return Failure(_naive(name, value))
                params[name] = value
        return self._read(BY_TYPE[since is not None, until is not None], params)

    def window(self, since: datetime, until: datetime, /) -> Result[tuple[LedgerEvent, ...], SpineError]:
        """Events with ``since <= occurred_at < until`` (tz-aware), by ``occurred_at``, run, seq."""
        for name, value in (("since", since), ("until", until)):
            if value.utcoffset() is None:
                return Failure(_naive(name, value))
        if until < since:
            msg = f"the window ends ({until.isoformat()}) before it starts ({since.isoformat()})"
            return Failure(ValidationError(msg, field="until", constraint=">= since"))
        return self._read(WINDOW, {"since": since, "until": until})

    def _read(
        self, statement: Statement, params: Mapping[str, SqlValue]
    ) -> Result[tuple[LedgerEvent, ...], SpineError]:
        ran = self._db.execute(statement, params)
        if isinstance(ran, Failure):
            return Failure(ran.failure())
        events: list[LedgerEvent] = []
        for row in ran.unwrap().rows:
            event = event_from_row(row)
            if isinstance(event, ValidationError):
                return Failure(event)
            events.append(event)
        return Success(tuple(events))

    # --- verifying -----------------------------------------------------------------------

    def verify(self, run_id: str | None = None, /) -> Result[VerifyReport, SpineError]:
        """Recompute every event's hash and check each chain: one run, or every run.

        ``NotFoundError`` when ``run_id`` names neither a run nor any event.
        """
        if run_id is None:
            anchored = self._db.execute(ANCHORED_RUNS)
            with_events = self._db.execute(EVENT_RUNS)
            if isinstance(anchored, Failure):
                return Failure(anchored.failure())
            if isinstance(with_events, Failure):
                return Failure(with_events.failure())
            runs = {str(row[0]) for row in (*anchored.unwrap().rows, *with_events.unwrap().rows)}
        else:
            runs = {run_id}
        tampers: list[Tamper] = []
        count = 0
        for run in sorted(runs):
            checked = self._verify_run(RunId(run))
            if isinstance(checked, Failure):
                return Failure(checked.failure())
            found, events, known = checked.unwrap()
            if run_id is not None and not known:
                return Failure(NotFoundError(f"no run {run!r} and no events", resource="spine_runs", key=run))
            tampers.extend(found)
            count += events
        return Success(VerifyReport(runs=len(runs), events=count, tampers=tuple(tampers)))

    def _verify_run(self, run_id: RunId) -> Result[tuple[tuple[Tamper, ...], int, bool], SpineError]:
        with self._db.transaction() as tx:
            tx.set_rollback_only()  # read only; ending it releases the run row
            head = self._db.execute(self._lock_anchor, {"run_id": run_id})
            rows = self._db.execute(EVENTS, {"run_id": run_id})
        if isinstance(head, Failure):
            return Failure(head.failure())
        if isinstance(rows, Failure):
            return Failure(rows.failure())
        anchor = anchor_from_row(head.unwrap().rows[0]) if head.unwrap().rows else None
        items: list[LedgerEvent | Unreadable] = []
        for row in rows.unwrap().rows:
            event = event_from_row(row)
            items.append(
                Unreadable(run_id=run_id, seq=seq_of(row[1])) if isinstance(event, ValidationError) else event
            )
        known = anchor is not None or bool(items)
        return Success((verify_chain(items, anchor), len(items), known))


def _error(failed: Result[object, SpineError]) -> SpineError:
    error: SpineError = failed.failure()
    return error


def _naive(name: str, value: datetime) -> ValidationError:
    msg = f"{name} must be timezone-aware, got {value.isoformat()}"
    return ValidationError(msg, field=name, value=value.isoformat(), constraint="aware")
