r"""The run status state machine: every status change in spine goes through :func:`transition`.

# Theory of operation
# -------------------
# PENDING -> QUEUED -> RUNNING -> COMPLETED
#                        |-> FAILED -> RETRYING -> QUEUED -> ...
#                        |        \-> DEAD_LETTERED
#                        |-> WAITING -> RUNNING   (a durable timer: the run sleeps in the table)
#                        \-> CANCELLED
# PENDING, QUEUED, RUNNING, WAITING and RETRYING may also go to CANCELLED. COMPLETED, CANCELLED and
# DEAD_LETTERED are final: a dead letter is replayed as a *new* run linked to the old one.
# The table below is the whole truth; anything not in it is a ``ConflictError`` value.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from returns.result import Failure, Result, Success

from spine.core.errors import ConflictError

__all__ = ["FINAL", "RunStatus", "allowed", "transition"]


class RunStatus(StrEnum):
    """Where a run is in its life."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    """Suspended at a durable timer until its ``wake_at`` (workflow runs)."""
    COMPLETED = "completed"
    FAILED = "failed"
    RETRYING = "retrying"
    DEAD_LETTERED = "dead_lettered"
    CANCELLED = "cancelled"


_S = RunStatus
_NEXT: Final[dict[RunStatus, frozenset[RunStatus]]] = {
    _S.PENDING: frozenset({_S.QUEUED, _S.CANCELLED}),
    _S.QUEUED: frozenset({_S.RUNNING, _S.CANCELLED}),
    _S.RUNNING: frozenset({_S.COMPLETED, _S.FAILED, _S.WAITING, _S.CANCELLED}),
    _S.WAITING: frozenset({_S.RUNNING, _S.CANCELLED}),
    _S.FAILED: frozenset({_S.RETRYING, _S.DEAD_LETTERED}),
    _S.RETRYING: frozenset({_S.QUEUED, _S.CANCELLED}),
    _S.COMPLETED: frozenset(),
    _S.DEAD_LETTERED: frozenset(),
    _S.CANCELLED: frozenset(),
}

FINAL: Final = frozenset(status for status, nexts in _NEXT.items() if not nexts)
"""Statuses a run never leaves."""


def allowed(current: RunStatus, /) -> frozenset[RunStatus]:
    """The statuses ``current`` may move to.

    >>> sorted(allowed(RunStatus.FAILED))
    [<RunStatus.DEAD_LETTERED: 'dead_lettered'>, <RunStatus.RETRYING: 'retrying'>]
    """
    return _NEXT[current]


def transition(current: RunStatus, target: RunStatus, /) -> Result[RunStatus, ConflictError]:
    """``Ok(target)`` when the move is legal, else a ``ConflictError`` naming both ends.

    >>> transition(RunStatus.QUEUED, RunStatus.RUNNING)
    <Success: running>
    >>> transition(RunStatus.COMPLETED, RunStatus.RUNNING).failure().message
    'a completed run cannot become running (allowed: none, it is final)'
    """
    if target in _NEXT[current]:
        return Success(target)
    nexts = ", ".join(sorted(_NEXT[current])) or "none, it is final"
    return Failure(
        ConflictError(
            f"a {current} run cannot become {target} (allowed: {nexts})",
            context={"from": current.value, "to": target.value},
        )
    )
