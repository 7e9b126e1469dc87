"""Who may run a tracked run now: the lease decision, a pure function of the row and the time.

# Theory of operation
# -------------------
# A run is held by at most one worker: ``lease_owner`` until ``lease_expires_at``. A worker
# that wants it reads the row and decides (here, purely):
#   Stored   the run ended (completed, dead-lettered, cancelled): hand back what is stored;
#   NotDue   it waits at a timer that has not fired: leave it asleep;
#   Busy     another owner holds an unexpired lease: keep off;
#   Claim    take it, moving its status to RUNNING along ``path`` (checked against the run
#            status machine; empty when taking over a RUNNING run whose worker vanished).
# The claim itself is a compare-and-set on the row's ``attempt`` (the fencing token, which
# the claim increments) and ledger anchor, so of two workers deciding Claim at once exactly
# one wins; the loser, and any earlier holder still running, match no row from then on.
# A worker that restarts under its own ``owner`` name takes its runs back at once: its
# earlier incarnation is gone (owner names must therefore be unique among live workers).
# ``create`` and ``claim`` carry a decision out: each is one transaction that leaves the
# run leased to this worker and returns the :class:`RunLog` it then writes through.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.codec import encode_json
from spine.core.errors import ConflictError, SpineError, ValidationError
from spine.core.json_types import JsonValue
from spine.execution.ledger_chain import GENESIS_HASH
from spine.execution.status import RunStatus, allowed, transition
from spine.orchestration.checkpoint import RunLog, RunStore
from spine.orchestration.checkpoints import KIND, Checkpoint, TrackedRun, event_row, lease_until, payload_json
from spine.orchestration.durable_codec import PlanCodec
from spine.storage.compiled import SqlValue

__all__ = ["Busy", "Claim", "Decision", "NotDue", "Stored", "claim", "create", "decide", "path_to"]

_ENDED: Final = frozenset({RunStatus.COMPLETED, RunStatus.DEAD_LETTERED, RunStatus.CANCELLED})


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    """Take the run; ``path`` is the statuses it passes through to RUNNING."""

    path: tuple[RunStatus, ...]
    takeover: bool = False
    """Another worker held it, and its lease ran out."""


class Stored(msgspec.Struct, frozen=True, kw_only=True):
    """The run ended: report what is stored, run nothing."""

    status: RunStatus


class NotDue(msgspec.Struct, frozen=True, kw_only=True):
    """The run waits at a timer until ``wake_at``."""

    wake_at: datetime


class Busy(msgspec.Struct, frozen=True, kw_only=True):
    """``owner`` holds the run until ``until``."""

    owner: str
    until: datetime | None


type Decision = Claim | Stored | NotDue | Busy


def path_to(current: RunStatus, target: RunStatus, /) -> tuple[RunStatus, ...] | None:
    """The shortest legal way from ``current`` to ``target`` (excluded, included), or ``None``.

    >>> [s.value for s in path_to(RunStatus.FAILED, RunStatus.RUNNING) or ()]
    ['retrying', 'queued', 'running']
    >>> path_to(RunStatus.RUNNING, RunStatus.RUNNING), path_to(RunStatus.COMPLETED, RunStatus.RUNNING)
    ((), None)
    """
    came: dict[RunStatus, RunStatus | None] = {current: None}
    todo = deque([current])
    while todo:
        status = todo.popleft()
        if status is target:
            path: list[RunStatus] = []
            step: RunStatus | None = status
            while step is not None and step is not current:
                path.append(step)
                step = came[step]
            return tuple(reversed(path))
        for nxt in sorted(allowed(status)):
            if nxt not in came and nxt is not RunStatus.CANCELLED:
                came[nxt] = status
                todo.append(nxt)
    return None


def decide(
    status: RunStatus,
    *,
    owner: str,
    now: datetime,
    lease_owner: str | None,
    lease_expires_at: datetime | None,
    wake_at: datetime | None,
) -> Result[Decision, ConflictError]:
    """What worker ``owner`` may do with a run in this state at ``now``.

    >>> from datetime import UTC, timedelta
    >>> t = datetime(2025, 1, 3, tzinfo=UTC)
    >>> held = dict(lease_owner="a", lease_expires_at=t + timedelta(seconds=5), wake_at=None)
    >>> decide(RunStatus.RUNNING, owner="b", now=t, **held).unwrap()
    Busy(owner='a', until=datetime.datetime(2025, 1, 3, 0, 0, 5, tzinfo=datetime.timezone.utc))
    >>> decide(RunStatus.RUNNING, owner="b", now=t + timedelta(seconds=5), **held).unwrap()
    Claim(path=(), takeover=True)
    """
    if status in _ENDED:
        return Success(Stored(status=status))
    if status is RunStatus.WAITING and wake_at is not None and wake_at > now:
        return Success(NotDue(wake_at=wake_at))
    held = lease_owner is not None and lease_owner != owner
    if held and (lease_expires_at is None or lease_expires_at > now):
        return Success(Busy(owner=lease_owner or "", until=lease_expires_at))
    path = path_to(status, RunStatus.RUNNING)
    if path is None:
        return Failure(transition(status, RunStatus.RUNNING).failure())
    return Success(Claim(path=path, takeover=held))


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
    payload = payload_json(event[1])
    if isinstance(payload, ValidationError):
        return Failure(payload)
    row, hashed = event_row(run.run_id, 1, GENESIS_HASH, (store.ids.new_id(), event[0], now, payload))
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
        "last_seq": 1,
        "last_hash": hashed,
    }
    with store.db.transaction() as tx:
        done: Result[object, SpineError] = store.execute("run", params)
        if isinstance(done, Success):
            done = store.execute("event", row)
        if isinstance(done, Success) and copies:
            done = store.checkpoints.insert_many(copies)
        if not isinstance(done, Success):
            tx.set_rollback_only()
    if not isinstance(done, Success):
        return Failure(done.failure())
    if isinstance(tx.outcome, Failure):
        return Failure(tx.outcome.failure())
    held = TrackedRun(
        run_id=run.run_id,
        name=run.name,
        status=RunStatus.RUNNING,
        idempotency_key=run.idempotency_key,
        parent_run_id=run.parent_run_id,
        attempt=1,
        spec=run.spec,
        created_at=now,
        updated_at=now,
        started_at=now,
        last_seq=1,
        last_hash=hashed,
    )
    return Success(RunLog(store, held, codec))


def claim(
    store: RunStore, run: TrackedRun, codec: PlanCodec, *, takeover: bool
) -> Result[RunLog, SpineError]:
    """Take ``run`` as it was read (a compare-and-set on its token and anchor)."""
    now = store.clock.now()
    token = run.attempt + 1
    payload = payload_json(
        {"attempt": token, "owner": store.owner, "from": run.status.value, "takeover": takeover}
    )
    if isinstance(payload, ValidationError):
        return Failure(payload)
    seq = run.last_seq + 1
    row, hashed = event_row(
        run.run_id, seq, run.last_hash or GENESIS_HASH, (store.ids.new_id(), "resumed", now, payload)
    )
    params: dict[str, SqlValue] = {
        "status": RunStatus.RUNNING.value,
        "attempt": token,
        "lease_owner": store.owner,
        "lease_expires_at": lease_until(now, store.lease_s),
        "wake_at": None,
        "updated_at": now,
        "last_seq": seq,
        "last_hash": hashed,
        "run_id": run.run_id,
        "token": run.attempt,
        "expected": run.last_seq,
    }
    with store.db.transaction() as tx:
        moved = store.execute("claim", params)
        if isinstance(moved, Success) and moved.unwrap() == 1:
            done: Result[object, SpineError] = store.execute("event", row)
        elif isinstance(moved, Success):
            done = Failure(ConflictError(f"another worker claimed run {run.run_id!r} first"))
        else:
            done = moved
        if not isinstance(done, Success):
            tx.set_rollback_only()
    if not isinstance(done, Success):
        return Failure(done.failure())
    if isinstance(tx.outcome, Failure):
        return Failure(tx.outcome.failure())
    held = TrackedRun(
        run_id=run.run_id,
        name=run.name,
        status=RunStatus.RUNNING,
        idempotency_key=run.idempotency_key,
        parent_run_id=run.parent_run_id,
        attempt=token,
        spec=run.spec,
        created_at=run.created_at,
        updated_at=now,
        started_at=run.started_at or now,
        last_seq=seq,
        last_hash=hashed,
    )
    return Success(RunLog(store, held, codec))
