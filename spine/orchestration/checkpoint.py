"""``RunLog``: the run this worker holds, and each step's checkpoint, written through it.

# Theory of operation
# -------------------
# A worker holds a run from the moment it creates or claims it (``leases``) until it ends
# the run's turn (``turn_end``: completed, failed, dead-lettered, waiting) or stops. While
# it holds it, it is the run's only writer: the chain head (``seq``, ``hash``) and the
# fencing token (``token``: the row's ``attempt``) live in memory, and no write reads first.
#
# A step's outcome is one transaction: the step's ledger event at ``seq + 1``, which is its
# checkpoint (the value in its ``body``), and the run row's anchor (``last_seq``,
# ``last_hash``) moved to that event, fenced by the token; once a quarter of the lease has
# passed, the same update extends the lease. So the anchor always names the chain's last
# event (``seq`` in memory is the row's ``last_seq`` too) and ``verify`` is exact for a held
# run, and for one whose worker died, too. The update's row count is never read: fencing
# rests on the events' primary key (run_id, seq). Whoever takes the run over reads the
# chain's head and, in the transaction that moves the token, appends its ``resumed`` event
# right after it. The old holder's next event needs that very seq, so its insert fails on
# the key, its transaction rolls back, and its log is *lost*: it stops without writing again.
#
# A database failure leaves the log *broken*: the run stops and gives its lease up, so a
# resume can continue from the last checkpoint. ``journal`` is the engine's journal port.
"""

from __future__ import annotations

from datetime import UTC
from typing import Final, final

from returns.result import Failure, Result

from spine.core.errors import (
    ConflictError,
    DatabaseError,
    IntegrityError,
    SpineError,
    ValidationError,
    to_record,
)
from spine.execution.ledger_chain import GENESIS_HASH
from spine.orchestration.checkpoints import TrackedRun
from spine.orchestration.durable_codec import PlanCodec
from spine.orchestration.engine import Outcome
from spine.orchestration.report import StepStatus
from spine.orchestration.run_events import (
    InstantTexts,
    StepRow,
    chain_hash,
    error_json,
    json_string,
    lease_until,
    step_payload,
)
from spine.orchestration.run_store import RunStore
from spine.storage.compiled import SqlValue

__all__ = ["RunLog"]

_DONE: Final = frozenset({StepStatus.COMPLETED, StepStatus.CONTINUED})
_FAILED: Final = StepStatus.FAILED
# Enum members' ``.value`` is a descriptor call: the hot path reads these tables instead.
_EVENT_TYPES: Final = {s: f"step_{s.value}" for s in StepStatus}
_TYPE_JSON: Final = {s: f'"step_{s.value}"' for s in StepStatus}
_RENEWALS: Final = 4
"""The lease is extended with the first step written after a quarter of it has passed, so a
step may take up to three quarters of ``lease_s`` without its lease running out."""


@final
class RunLog:
    """The run this worker holds: its chain head and token in memory, and every step it writes."""

    __slots__ = (
        "_instants",
        "_nodes",
        "_renew_at",
        "_run_json",
        "broken",
        "codec",
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
        """The chain's head, which the run row's anchor names too (every write moves both)."""
        self.result: bytes | None = None
        """The output node's checkpoint bytes, once it has one."""
        self.lost = False
        self.broken: SpineError | None = None
        self._run_json = json_string(run.run_id) or ""
        self._nodes: list[str | None] = [None] * len(codec.plan.nodes)
        self._instants = InstantTexts()
        self._renew_at = store.clock.monotonic() + store.lease_s / _RENEWALS

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.run.run_id

    @property
    def stopped(self) -> bool:
        """True when this worker may not write for the run any more."""
        return self.lost or self.broken is not None

    def journal(self, i: int, outcome: Outcome) -> SpineError | None:
        """Checkpoint node ``i``'s outcome: its step event, in one transaction with the anchor."""
        codec, store, run_id = self.codec, self.store, self.run.run_id
        name_json = self._nodes[i] or self._node(i)
        if name_json is None:
            msg = f"step {codec.plan.nodes[i].name!r} of run {run_id!r} cannot be written to the ledger"
            return ValidationError(msg, field="step")
        status, attempts, error = outcome.status, outcome.attempts, outcome.error
        output: bytes | None = None
        if status is not _FAILED:
            encoded = codec.encode(i, outcome.value, chosen=outcome.chosen, wake_at=outcome.wake_at)
            if isinstance(encoded, ValidationError):
                return encoded
            output = encoded
        error_text = None if error is None else error_json(to_record(error))
        now = store.clock.now()
        if now.tzinfo is not UTC:
            now = now.astimezone(UTC)
        text, instant = self._instants(now)
        event_id, seq, prev = store.ids.new_id(), self.seq + 1, self.hash
        took_us = round(outcome.duration_s * 1_000_000)
        payload = step_payload(name_json, i, status, attempts if attempts > 0 else 1, took_us, error_text)
        hashed = chain_hash(self._run_json, seq, event_id, _TYPE_JSON[status], instant, payload, prev)
        if isinstance(hashed, ValidationError):
            return hashed
        at: SqlValue = text if store.sqlite else now
        event: StepRow = (run_id, seq, event_id, _EVENT_TYPES[status], at, payload, prev, hashed, output)
        # The anchor rides on every step's transaction, so the run row always names the
        # chain's last event: ``verify`` stays exact for a held (or crashed) run too.
        if store.clock.monotonic() < self._renew_at:
            failed = store.write_step(event, (at, seq, hashed, run_id, self.token))
        else:
            renewal = (lease_until(now, store.lease_s), at, seq, hashed, run_id, self.token)
            failed = store.renew_step(event, renewal)
            if failed is None:
                self._renew_at = store.clock.monotonic() + store.lease_s / _RENEWALS
        if failed is not None:
            return self._failed(*failed)
        self.seq, self.hash = seq, hashed
        if i == codec.plan.output and status in _DONE:
            self.result = output
        return None

    def _node(self, i: int) -> str | None:
        """Node ``i``'s name as JSON text (``None``: the ledger cannot hold it)."""
        name_json = self.codec.name_json(i)
        if name_json is None or not self._run_json:
            return None
        self._nodes[i] = name_json
        return name_json

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
