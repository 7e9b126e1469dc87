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
# The claim itself is a compare-and-set on the row as it was read: its ``attempt`` (the
# fencing token, which the claim increments) and its ledger anchor (which each step of a
# live holder moves). In the same transaction the claim appends its ``resumed`` event right
# after the chain's head, read *before* the run's checkpoints were: had the holder written a
# step since, that seq is taken and the claim fails. So of two workers deciding Claim at
# once exactly one wins, it restores every step written before it, and any earlier holder
# still running is fenced off at its next write (see ``checkpoint``).
# A worker that restarts under its own ``owner`` name takes its runs back at once: its
# earlier incarnation is gone (owner names must therefore be unique among live workers).
# ``claim`` carries a decision out: one transaction that leaves the run leased to this
# worker and returns the :class:`RunLog` it then writes through (``starts`` makes new runs).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConflictError, IntegrityError, SpineError, ValidationError
from spine.core.json_types import JsonValue
from spine.execution.ledger_chain import GENESIS_HASH
from spine.execution.status import RunStatus, allowed, transition
from spine.orchestration.checkpoint import RunLog
from spine.orchestration.checkpoints import KIND, TrackedRun
from spine.orchestration.durable_codec import PlanCodec
from spine.orchestration.run_events import lease_until, seal
from spine.orchestration.run_store import RunStore
from spine.storage.compiled import SqlValue
from spine.storage.connection import in_transaction

__all__ = ["Busy", "Claim", "Decision", "NotDue", "Stored", "claim", "decide", "path_to"]

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


def claim(
    store: RunStore,
    run: TrackedRun,
    codec: PlanCodec,
    *,
    takeover: bool,
    head: tuple[int, str] | None = None,
) -> Result[RunLog, SpineError]:
    """Take ``run`` as it was read (a compare-and-set on its token and anchor).

    ``head``: the chain's head (``RunStore.head``), read before the checkpoints the caller
    restores; ``None`` reads it in the claim's own transaction.
    """
    done = in_transaction(store.db.connection, lambda _: _claim(store, run, head, takeover=takeover))
    return done.map(lambda held: RunLog(store, held, codec))


def _claim(
    store: RunStore, run: TrackedRun, head: tuple[int, str] | None, *, takeover: bool
) -> Result[TrackedRun, SpineError]:
    now = store.clock.now()
    token = run.attempt + 1
    if head is None:
        found = store.head(run.run_id)
        if not isinstance(found, Success):
            return Failure(found.failure())
        head = found.unwrap()
    # The chain's head, unless the row's anchor is further on (events deleted past it): then
    # the anchor, so that verify reports the gap instead of the claim papering over it.
    after = head if head[0] > run.last_seq else (run.last_seq, run.last_hash or GENESIS_HASH)
    event: dict[str, JsonValue] = {
        "attempt": token,
        "owner": store.owner,
        "from": run.status.value,
        "takeover": takeover,
    }
    sealed = seal(run.run_id, after, [("resumed", event)], now, store.ids.new_id)
    if isinstance(sealed, ValidationError):
        return Failure(sealed)
    (row,), (seq, hashed) = sealed
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
    moved = store.execute("claim", params)
    if not isinstance(moved, Success):
        return Failure(moved.failure())
    inserted = store.insert("event", row) if moved.unwrap() == 1 else None
    if moved.unwrap() != 1 or isinstance(inserted, IntegrityError):
        return Failure(ConflictError(f"another worker claimed or wrote run {run.run_id!r} first"))
    if inserted is not None:
        return Failure(inserted)
    return Success(
        TrackedRun(
            run_id=run.run_id,
            kind=KIND,
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
    )
