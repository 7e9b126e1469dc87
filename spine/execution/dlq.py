"""``DLQManager``: dead letters with everything needed to replay them, and real replay.

A run that exhausts its attempts or fails for good is filed here with its full spec, its
final error record, its attempt count and timestamps. ``replay`` re-submits the spec through
the dispatcher as a *new* run (its idempotency key derived from the dead letter and the
replay number) and links the two; replaying a dead letter a second time is refused unless
``force=True``. Rows live in ``spine_dead_letters``: nothing is lost across restarts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.clock import Clock
from spine.core.errors import ConflictError, ErrorRecord, NotFoundError, SpineError
from spine.core.ids import IdSource, RunId
from spine.execution.runs import RunRecord
from spine.execution.spec import WorkSpec
from spine.storage.compiled import SqlValue
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.sql.dml import delete
from spine.storage.sql.predicates import Cmp
from spine.storage.tables import DEAD_LETTERS

if TYPE_CHECKING:
    from spine.execution.dispatcher import Dispatcher

__all__ = ["DLQManager", "DeadLetter", "DeadLetterStatus"]


class DeadLetterStatus(StrEnum):
    """Where a dead letter stands."""

    OPEN = "open"
    REPLAYED = "replayed"
    RESOLVED = "resolved"


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``spine_dead_letters``."""

    dead_letter_id: str
    run_id: str
    name: str
    spec: WorkSpec
    error: ErrorRecord
    attempts: int
    status: DeadLetterStatus
    first_failed_at: datetime
    last_failed_at: datetime
    created_at: datetime
    replay_count: int = 0
    replayed_run_id: str | None = None
    resolved_at: datetime | None = None
    resolution_note: str | None = None


_PURGE = delete(
    DEAD_LETTERS, where=[Cmp("status", "<>", param="open"), Cmp("created_at", "<", param="before")]
)


@final
class DLQManager:
    """File, list, inspect, replay, resolve and purge dead letters."""

    __slots__ = ("_clock", "_db", "_ids", "_letters")

    def __init__(self, db: Database, *, ids: IdSource, clock: Clock) -> None:
        self._db, self._ids, self._clock = db, ids, clock
        self._letters = BaseRepository(db, DEAD_LETTERS, DeadLetter)

    def file(self, run: RunRecord, error: ErrorRecord, /) -> Result[DeadLetter, SpineError]:
        """File ``run`` (which failed for good with ``error``)."""
        now = self._clock.now()
        letter = DeadLetter(
            dead_letter_id=self._ids.new_id(),
            run_id=run.run_id,
            name=run.name,
            spec=run.spec,
            error=error,
            attempts=max(run.attempt, 1),
            status=DeadLetterStatus.OPEN,
            first_failed_at=run.started_at or now,
            last_failed_at=now,
            created_at=now,
        )
        return self._letters.insert(letter)

    def list(
        self, *, status: DeadLetterStatus | None = DeadLetterStatus.OPEN, limit: int = 100
    ) -> Result[tuple[DeadLetter, ...], SpineError]:
        """Dead letters, oldest first (``status=None``: all)."""
        where: dict[str, SqlValue] = {} if status is None else {"status": status.value}
        return self._letters.find(where, order_by=["created_at", "dead_letter_id"], limit=limit)

    def get(self, dead_letter_id: str, /) -> Result[DeadLetter, SpineError]:
        """One dead letter, everything included."""
        found = self._letters.get(dead_letter_id)
        if isinstance(found, Failure):
            return Failure(found.failure())
        letter = found.unwrap()
        if letter is None:
            return Failure(
                NotFoundError(
                    f"no dead letter {dead_letter_id!r}", resource="dead_letter", key=dead_letter_id
                )
            )
        return Success(letter)

    def replay(
        self, dead_letter_id: str, dispatcher: Dispatcher, /, *, force: bool = False
    ) -> Result[RunId, SpineError]:
        """Re-submit the spec as a new run through ``dispatcher`` and link it to the letter."""
        found = self.get(dead_letter_id)
        if isinstance(found, Failure):
            return Failure(found.failure())
        letter = found.unwrap()
        if letter.status is not DeadLetterStatus.OPEN and not force:
            msg = f"dead letter {dead_letter_id!r} is {letter.status}; pass force=True to replay it again"
            return Failure(ConflictError(msg, context={"dead_letter_id": dead_letter_id}))
        count = letter.replay_count + 1
        spec = letter.spec
        replayed = WorkSpec(
            name=spec.name,
            kind=spec.kind,
            params=spec.params,
            idempotency_key=f"dlq:{dead_letter_id}:{count}",
            priority=spec.priority,
            lane=spec.lane,
            parent_run_id=letter.run_id,
            correlation_id=spec.correlation_id,
            retry=spec.retry,
            timeout_s=spec.timeout_s,
        )
        submitted = dispatcher.submit(replayed)
        if isinstance(submitted, Failure):
            return submitted
        run_id = submitted.unwrap()
        linked = msgspec.structs.replace(
            letter, status=DeadLetterStatus.REPLAYED, replay_count=count, replayed_run_id=run_id
        )
        return self._letters.update(linked).map(lambda _: run_id)

    def resolve(self, dead_letter_id: str, /, *, note: str) -> Result[DeadLetter, SpineError]:
        """Mark a dead letter handled by other means, with a note saying how."""
        found = self.get(dead_letter_id)
        if isinstance(found, Failure):
            return found
        letter = found.unwrap()
        if letter.status is DeadLetterStatus.RESOLVED:
            return Failure(ConflictError(f"dead letter {dead_letter_id!r} is already resolved"))
        resolved = msgspec.structs.replace(
            letter, status=DeadLetterStatus.RESOLVED, resolved_at=self._clock.now(), resolution_note=note
        )
        return self._letters.update(resolved)

    def purge(self, *, before: datetime) -> Result[int, SpineError]:
        """Delete replayed and resolved letters filed before ``before``; open ones are kept."""
        ran = self._db.execute(_PURGE, {"open": DeadLetterStatus.OPEN.value, "before": before})
        return ran.map(lambda rows: rows.rowcount)
