"""``RunLog``: the run this worker holds, and each step's checkpoint, written through it.

# Theory of operation
# -------------------
# A worker holds a run from the moment it creates or claims it (``leases``) until it ends
# the run's turn (``turn_end``: completed, failed, dead-lettered, waiting) or stops. While
# it holds it, it is the run's only writer: the chain head (``seq``, ``hash``) and the
# fencing token (``token``: the row's ``attempt``) live in memory, and no write reads first.
#
# A step's outcome is one transaction: the step's ledger event at ``seq + 1``, its checkpoint,
# and the run row's anchor (``last_seq``, ``last_hash``) moved to that event with the lease
# extended, fenced by the token. So the anchor always names the chain's last event and
# ``verify`` is exact for a held run, and for one whose worker died, too. Fencing rests on the
# events' primary key (run_id, seq) as well: whoever takes the run over reads the chain's
# head and, in the transaction that moves the token, appends its ``resumed`` event right
# after it. The old holder's next event needs that very seq, so its insert fails on the key,
# its transaction rolls back, and its log is *lost*: it stops without writing again.
#
# A database failure leaves the log *broken*: the run stops and gives its lease up, so a
# resume can continue from the last checkpoint. ``journal`` is the engine's journal port.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final, final

from returns.result import Failure, Result, Success

from spine.core.codec import encode_json
from spine.core.errors import (
    ConflictError,
    DatabaseError,
    IntegrityError,
    SpineError,
    ValidationError,
    to_record,
)
from spine.execution.ledger_chain import GENESIS_HASH
from spine.orchestration.checkpoints import CHECKPOINT_COLUMNS, CheckpointRow, TrackedRun
from spine.orchestration.durable_codec import PlanCodec
from spine.orchestration.engine import Outcome
from spine.orchestration.report import StepStatus
from spine.orchestration.run_events import (
    EventRow,
    chain_hash,
    json_string,
    lease_until,
    step_key,
    step_payload,
    stored_before,
)
from spine.orchestration.run_store import AnchorRow, RunStore
from spine.storage.compiled import SqlValue

__all__ = ["RunLog"]

_DONE: Final = frozenset({StepStatus.COMPLETED, StepStatus.CONTINUED})
_FAILED: Final = StepStatus.FAILED
# Enum members' ``.value`` is a descriptor call: the hot path reads these tables instead.
_VALUES: Final = {s: s.value for s in StepStatus}
_EVENT_TYPES: Final = {s: f"step_{s.value}" for s in StepStatus}
_TYPE_JSON: Final = {s: f'"step_{s.value}"' for s in StepStatus}


@final
class RunLog:
    """The run this worker holds: its chain head and token in memory, and every step it writes."""

    __slots__ = (
        "_nodes",
        "_renew_at",
        "_run_json",
        "anchored",
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
        self.anchored = run.last_seq
        """The ``last_seq`` the run row holds, as this worker last wrote it."""
        self.existing: set[int] = set()
        """Nodes with a stored checkpoint that did not finish them (it is rewritten)."""
        self.result: bytes | None = None
        """The output node's checkpoint bytes, once it has one."""
        self.lost = False
        self.broken: SpineError | None = None
        self._run_json = json_string(run.run_id) or ""
        self._nodes: list[tuple[str, str, str] | None] = [None] * len(codec.plan.nodes)
        self._renew_at = store.clock.monotonic() + store.lease_s / 2

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.run.run_id

    @property
    def stopped(self) -> bool:
        """True when this worker may not write for the run any more."""
        return self.lost or self.broken is not None

    def journal(self, i: int, outcome: Outcome) -> SpineError | None:
        """Checkpoint node ``i``'s outcome with its ledger event, in one transaction."""
        codec, store, run_id = self.codec, self.store, self.run.run_id
        node = self._nodes[i] or self._node(i)
        if node is None:
            msg = f"step {codec.plan.nodes[i].name!r} of run {run_id!r} cannot be written to the ledger"
            return ValidationError(msg, field="step")
        name, name_json, first_key = node
        status, attempts, duration_s = outcome.status, outcome.attempts, outcome.duration_s
        output: bytes | None = None
        if status is not _FAILED:
            encoded = codec.encode(i, outcome.value, chosen=outcome.chosen, wake_at=outcome.wake_at)
            if isinstance(encoded, ValidationError):
                return encoded
            output = encoded
        attempt = attempts if attempts > 0 else 1
        now = store.clock.now()
        if now.tzinfo is not UTC:
            now = now.astimezone(UTC)
        text = now.isoformat(" ", "microseconds")  # the stored text; the hashed one is cut from it
        event_id, seq, prev = store.ids.new_id(), self.seq + 1, self.hash
        payload = step_payload(name_json, i, status, attempt)
        hashed = chain_hash(
            self._run_json, seq, event_id, _TYPE_JSON[status], f"{text[:10]}T{text[11:26]}Z", payload, prev
        )
        if isinstance(hashed, ValidationError):
            return hashed
        at: SqlValue
        began: SqlValue
        micros = round(duration_s * 1_000_000)  # when the step started: ``duration_s`` before now
        if store.sqlite:
            at, began = text, stored_before(text, now, micros) if micros else text
        else:
            at, began = now, now - timedelta(microseconds=micros)
        error = outcome.error
        checkpoint: CheckpointRow = (
            run_id,
            name,
            i,
            attempt,
            _VALUES[status],
            output,
            None if error is None else encode_json(to_record(error)).decode(),
            first_key if attempt == 1 else step_key(run_id, name, attempt),
            began,
            at,
        )
        event: EventRow = (run_id, seq, event_id, _EVENT_TYPES[status], at, payload, prev, hashed)
        existing = self.existing
        renew = store.clock.monotonic() >= self._renew_at
        if renew or i in existing:
            problem = self._write_slowly(event, checkpoint, now if renew else None, rewrite=i in existing)
        else:
            # The anchor rides on every step's transaction, so the run row always names the
            # chain's last event: ``verify`` stays exact for a held (or crashed) run too.
            expires = lease_until(now, store.lease_s)
            until = store.instant(expires, expires.isoformat(" ", "microseconds"))
            anchor: AnchorRow = (until, at, seq, hashed, run_id, self.token)
            failed = store.write_step(event, checkpoint, anchor)
            problem = None if failed is None else self._failed(*failed)
            if problem is None:
                self.anchored = seq
        if problem is not None:
            return problem
        self.seq, self.hash = seq, hashed
        existing.add(i)
        if i == codec.plan.output and status in _DONE:
            self.result = output
        return None

    def _node(self, i: int) -> tuple[str, str, str] | None:
        """Node ``i``'s name, its JSON text and its first attempt's key (``None``: unwritable)."""
        name_json = self.codec.name_json(i)
        if name_json is None or not self._run_json:
            return None
        name = self.codec.plan.nodes[i].name
        node = self._nodes[i] = (name, name_json, step_key(self.run.run_id, name, 1))
        return node

    def _write_slowly(
        self, event: EventRow, checkpoint: CheckpointRow, renew: datetime | None, *, rewrite: bool
    ) -> SpineError | None:
        """A step's transaction through the port: it renews the lease, or rewrites a checkpoint."""
        store = self.store
        with store.db.transaction() as tx:
            problem = None if renew is None else self._renew(event, renew)
            if problem is None:
                error = store.insert("event", event)
                problem = None if error is None else self._failed(0, error)
            if problem is None and rewrite:
                rewritten = store.execute("rewrite", dict(zip(CHECKPOINT_COLUMNS, checkpoint, strict=True)))
                problem = None if isinstance(rewritten, Success) else self.break_off(rewritten.failure())
            elif problem is None:
                error = store.insert("checkpoint", checkpoint)
                problem = None if error is None else self.break_off(error)
            if problem is not None:
                tx.set_rollback_only()
        problem = problem or self.settle(tx.outcome)
        if problem is None and renew is not None:
            self.anchored = event[1]
            self._renew_at = store.clock.monotonic() + store.lease_s / 2
        return problem

    def _renew(self, event: EventRow, now: datetime) -> SpineError | None:
        store = self.store
        params: dict[str, SqlValue] = {
            "lease_expires_at": lease_until(now, store.lease_s),
            "updated_at": now,
            "last_seq": event[1],
            "last_hash": event[7],
            "run_id": self.run.run_id,
            "token": self.token,
        }
        moved = store.execute("renew", params)
        if not isinstance(moved, Success):
            return self.break_off(moved.failure())
        return None if moved.unwrap() == 1 else self.lose()

    # --- trouble -------------------------------------------------------------------------

    def _failed(self, index: int, error: DatabaseError) -> SpineError:
        """A step's write failed at statement ``index``: the event's key taken means lost."""
        return self.lose() if index == 0 and isinstance(error, IntegrityError) else self.break_off(error)

    def lose(self) -> ConflictError:
        """Another worker took the run over (or wrote to its chain): stop, write nothing more."""
        self.lost = True
        msg = f"lost the lease on run {self.run.run_id!r}: another worker took it over"
        return ConflictError(msg, context={"run_id": self.run.run_id})

    def break_off(self, error: SpineError) -> SpineError:
        """A write failed on the database's side: stop (and give the lease up)."""
        self.broken = error
        return error

    def settle(self, outcome: Result[bool, DatabaseError]) -> SpineError | None:
        """A transaction's outcome: a failed commit breaks the log off."""
        if isinstance(outcome, Failure):
            return self.break_off(outcome.failure())
        return None
